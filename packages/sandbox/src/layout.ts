import { lstat, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { isWithin, normaliseAbsolute, REPLACED_TREES, SYSTEM_DIRECTORIES } from './paths.js';
import type { ResolvedMask } from './types.js';

/** The mounts of one sandbox, resolved against the filesystem as it is now. */
export interface SandboxMounts {
  /** Writable trees, real paths; the first is the workspace. */
  readonly readWrite: readonly string[];
  /** Masks applied before the writable binds (outside them, or ancestors of them). */
  readonly masksBefore: readonly ResolvedMask[];
  /** Directories inside a writable tree bound onto themselves so they cannot be renamed away. */
  readonly pins: readonly string[];
  /** Paths inside a writable tree bound read-only over themselves. */
  readonly readOnly: readonly string[];
  /** Masks inside a writable tree: applied after it, or the bind would uncover them. */
  readonly masksAfter: readonly ResolvedMask[];
}

async function realOrUndefined(path: string): Promise<string | undefined> {
  try {
    return normaliseAbsolute(await realpath(path));
  } catch {
    // Missing, dangling, or not reachable by us (and so not by the sandboxed process either).
    return undefined;
  }
}

function byDepth(a: string, b: string): number {
  return a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Resolves what to hide and what to protect. Every mask is mounted at its **real** path:
 * a symlink (`~/.ssh -> /data/keys`) would otherwise leave its target readable under its
 * own name, and a mount on a link lands on the target anyway. A mask inside a writable
 * tree goes after that tree's bind; one inside a tree the sandbox replaces (`/proc`,
 * `/dev`, the private `/tmp`) is not needed; one that resolves to a system directory is
 * dropped (see SYSTEM_DIRECTORIES).
 */
export async function resolveMounts(
  workspace: string,
  extraReadWrite: readonly string[],
  maskPaths: readonly string[],
  readOnly: readonly string[],
): Promise<SandboxMounts> {
  const ws = await realOrUndefined(workspace);
  if (ws === undefined || !(await stat(ws)).isDirectory()) {
    throw new RangeError(`"workspace" expected an existing directory, got ${JSON.stringify(workspace)}`);
  }
  const rw: string[] = [ws];
  for (const path of extraReadWrite) {
    const real = await realOrUndefined(path);
    if (real !== undefined && !rw.includes(real) && (await stat(real)).isDirectory()) rw.push(real);
  }
  // A writable `/` or `/usr` is no sandbox at all: refused rather than run open.
  const system = rw.find((dir) => SYSTEM_DIRECTORIES.includes(dir));
  if (system !== undefined) throw new RangeError(`${system} cannot be writable in a sandbox`);
  const insideRw = (p: string) => rw.some((dir) => isWithin(p, dir));

  const before = new Map<string, ResolvedMask>();
  const after = new Map<string, ResolvedMask>();
  for (const candidate of new Set(maskPaths)) {
    const real = await realOrUndefined(candidate);
    if (real === undefined || SYSTEM_DIRECTORIES.includes(real)) continue;
    const inside = insideRw(real);
    if (!inside && REPLACED_TREES.some((tree) => isWithin(real, tree))) continue;
    let kind: ResolvedMask['kind'];
    try {
      kind = (await stat(real)).isDirectory() ? 'dir' : 'file';
    } catch {
      continue;
    }
    (inside ? after : before).set(real, { path: real, kind });
  }

  const protectedPaths: string[] = [];
  const pins = new Set<string>();
  for (const candidate of new Set(readOnly)) {
    try {
      // A symlink cannot be a mount point (the mount lands on its target) and could be
      // swapped for a file: such an entry is not protected (see the README's limits).
      if ((await lstat(candidate)).isSymbolicLink()) continue;
    } catch {
      continue;
    }
    // The real path, so that pinning can never bind a directory outside the writable tree.
    const real = await realOrUndefined(candidate);
    const root = real === undefined ? undefined : rw.find((dir) => isWithin(real, dir) && real !== dir);
    if (real === undefined || root === undefined) continue; // outside every writable tree: read-only already
    protectedPaths.push(real);
    // Pin every directory between the root and the path: a mount point cannot be renamed,
    // so `mv .git .git2 && mkdir .git` cannot swap in an unprotected copy.
    for (let dir = posix.dirname(real); dir !== root && isWithin(dir, root); dir = posix.dirname(dir)) {
      pins.add(dir);
    }
  }

  const sortMasks = (m: Map<string, ResolvedMask>) => [...m.values()].sort((a, b) => byDepth(a.path, b.path));
  return {
    readWrite: rw,
    masksBefore: sortMasks(before),
    pins: [...pins].sort(byDepth),
    readOnly: protectedPaths.sort(byDepth),
    masksAfter: sortMasks(after),
  };
}
