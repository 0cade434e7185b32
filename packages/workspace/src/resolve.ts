import { lstat, readlink, realpath } from 'node:fs';
import { posix } from 'node:path';
import { promisify } from 'node:util';

/** Linux's MAXSYMLINKS: the kernel gives up with ELOOP after this many links in one lookup. */
export const MAX_SYMLINK_HOPS = 40;

/** The filesystem calls the resolver makes; injectable so tests can fault them. */
export interface ResolverFs {
  lstat(path: string): Promise<{ isSymbolicLink(): boolean }>;
  readlink(path: string): Promise<string>;
  /** realpath(3) of an existing path. Optional: without it every path takes the component walk. */
  realpath?(path: string): Promise<string>;
}

/**
 * The filesystem as node sees it, through the callback API: still on libuv's pool (a hung
 * mount never stalls the daemon), but a third of the CPU of `fs.promises` per call, and a
 * missing entry (the common case for a file about to be written) costs a fifth. Every tool
 * call resolves its paths, so this is on the interceptor's hot path (see the README's bench).
 */
export const nodeResolverFs: ResolverFs = {
  lstat: promisify(lstat),
  readlink: promisify(readlink), // utf8 by default
  realpath: promisify(realpath.native),
};

/** Why a path could not be resolved; such a path is never treated as inside. */
export type Unresolved = 'symlink_loop' | 'io_error';

/** The physical location a lexical path designates. */
export interface Resolution {
  /** Absolute, normalised, with every existing symlink replaced by its target. */
  readonly realPath: string;
  /** Set when resolution failed; `realPath` is then the lexical input. */
  readonly unresolved?: Unresolved;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/**
 * Resolves an absolute path the way the kernel would, one component at a time, but without
 * requiring the path to exist. Existing symlinks are followed (their `..` applied to the
 * real parent, as the kernel does), including a dangling final symlink: `open(O_CREAT)`
 * would create its target, so the target is what a write touches. Components that do not
 * exist are appended as written, so a file yet to be created under a symlinked directory
 * gets the directory's real location. With `followFinal` false (unlink, rmdir) a final
 * symlink is kept as the entry itself. `likelyExists` (reads, listings) asks realpath(3)
 * of the whole path first, which answers an existing path in one call.
 *
 * Fail closed: more than {@link MAX_SYMLINK_HOPS} links, or any error other than ENOENT /
 * ENOTDIR, yields `unresolved` so the caller never calls such a path inside.
 */
export async function resolvePhysical(
  absPath: string,
  followFinal: boolean,
  fs: ResolverFs = nodeResolverFs,
  likelyExists = false,
): Promise<Resolution> {
  const all = segments(absPath);
  if (fs.realpath !== undefined) {
    // A path that exists, with its final symlink followed, is exactly realpath(3) of it: one
    // call instead of two for what a read or a listing names; a missing one falls through.
    if (likelyExists && followFinal && all.length > 0) {
      try {
        return { realPath: await fs.realpath(absPath) };
      } catch {}
    }
    const quick = await parentAndEntry(all, followFinal, fs, fs.realpath);
    if (quick !== undefined) return { realPath: quick };
    // Fast path: realpath(3) of the longest prefix that resolves (the whole path when it
    // exists; at most the parent for an unfollowed final entry) is exact for that prefix, since
    // the kernel resolves a path prefix by prefix. What remains (missing, dangling, looping or
    // unreadable components) is walked from there.
    for (let keep = followFinal ? all.length : all.length - 1; keep >= 1; keep -= 1) {
      let start: string;
      try {
        start = await fs.realpath(`/${all.slice(0, keep).join('/')}`);
      } catch {
        continue;
      }
      return walk(start, all.slice(keep), followFinal, absPath, fs);
    }
  }
  return walk('/', all, followFinal, absPath, fs);
}

/**
 * The common shapes in one round of filesystem calls: an existing entry that is not a
 * symlink, or a missing entry in an existing directory. The real parent (realpath(3)) and
 * the entry's lstat are asked together; when the entry is not a symlink (or does not exist)
 * it lands at `<real parent>/<name>`, exactly where the component walk would put it, since
 * the kernel resolves the parent first and then looks the name up in it. Anything else (a
 * final symlink that would be followed, a parent that does not resolve, an unexpected
 * error) returns undefined and takes the general path. The two calls are not one atomic
 * snapshot, as the sequential calls of the general path are not either: a tool re-checks
 * what it opened (`recheckOpened`) before acting.
 */
async function parentAndEntry(
  all: readonly string[],
  followFinal: boolean,
  fs: ResolverFs,
  realpath: (path: string) => Promise<string>,
): Promise<string | undefined> {
  const name = all[all.length - 1];
  if (name === undefined || name === '.' || name === '..') return undefined;
  const [parent, entry] = await Promise.allSettled([
    realpath(`/${all.slice(0, -1).join('/')}`),
    fs.lstat(`/${all.join('/')}`),
  ]);
  if (parent.status === 'rejected') return undefined;
  if (entry.status === 'fulfilled') {
    if (entry.value.isSymbolicLink() && followFinal) return undefined;
  } else {
    const code = errnoCode(entry.reason);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
  }
  return parent.value === '/' ? `/${name}` : `${parent.value}/${name}`;
}

async function walk(
  start: string,
  rest: string[],
  followFinal: boolean,
  absPath: string,
  fs: ResolverFs,
): Promise<Resolution> {
  let pending = rest;
  let current = start;
  // How many trailing components of `current` do not exist; below those nothing can exist.
  let missing = 0;
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '.') continue;
    if (name === '..') {
      // `current` is physical, so its lexical parent is its real parent.
      current = posix.dirname(current);
      if (missing > 0) missing -= 1;
      continue;
    }
    const candidate = current === '/' ? `/${name}` : `${current}/${name}`;
    if (missing > 0) {
      current = candidate;
      missing += 1;
      continue;
    }
    let isLink: boolean;
    try {
      isLink = (await fs.lstat(candidate)).isSymbolicLink();
    } catch (err) {
      const code = errnoCode(err);
      // ENOTDIR: a file stands where a directory is needed; the operation will fail, but
      // the location it names is still below `current`, so classify it as such.
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        current = candidate;
        missing = 1;
        continue;
      }
      return { realPath: absPath, unresolved: 'io_error' };
    }
    if (isLink && (pending.length > 0 || followFinal)) {
      hops += 1;
      if (hops > MAX_SYMLINK_HOPS) return { realPath: absPath, unresolved: 'symlink_loop' };
      let target: string;
      try {
        target = await fs.readlink(candidate);
      } catch {
        return { realPath: absPath, unresolved: 'io_error' };
      }
      if (target.startsWith('/')) current = '/';
      pending = [...segments(target), ...pending];
      continue;
    }
    current = candidate;
  }
  return { realPath: current };
}

/** The real location of `absPath`, or the lexical path itself when it cannot be resolved. */
export async function realLocation(absPath: string, fs: ResolverFs = nodeResolverFs): Promise<string> {
  return (await resolvePhysical(absPath, true, fs)).realPath;
}
