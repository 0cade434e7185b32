import type { FileHandle } from 'node:fs/promises';
import { glob } from 'tinyglobby';
import { ToolError } from '../errors.js';
import { inDirectory } from '../fs/open.js';
import type { ToolContext } from '../tool.js';

/**
 * Refuses a glob that could leave the search root: absolute patterns and `..` segments. The
 * root is chosen with `path` (and authorized as such); a pattern only selects below it.
 */
export function assertRelativePattern(pattern: string, field: string): void {
  if (pattern.includes('\0')) throw new ToolError(`"${field}" contains a NUL byte`);
  if (pattern.startsWith('/') || pattern.startsWith('~')) {
    throw new ToolError(
      `"${field}" must be relative to the search directory; use "path" to search elsewhere`,
    );
  }
  if (pattern.split('/').some((s) => s === '..')) {
    throw new ToolError(`"${field}" may not contain ".." segments; use "path" to search elsewhere`);
  }
}

/** Options for {@link walkFiles}. */
export interface WalkOptions {
  readonly ignore: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * Regular files below the opened directory `dir` (whose real path is `root`) matching
 * `pattern`, as absolute paths under `root`, sorted. The walk starts at the descriptor
 * (`/proc/self/fd/N`), so a root swapped for a symlink after it was verified is not
 * followed; symbolic links below it are neither followed nor returned
 * (`followSymbolicLinks: false`). Callers still verify each file before reading it.
 */
export async function walkFiles(
  dir: FileHandle,
  root: string,
  pattern: string,
  options: WalkOptions,
): Promise<string[]> {
  const found = await glob(pattern, {
    cwd: inDirectory(dir, ''),
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: [...options.ignore],
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const base = root === '/' ? '' : root;
  return found
    .filter((rel) => rel !== '' && !rel.startsWith('/') && !rel.split('/').includes('..'))
    .map((rel) => `${base}/${rel.replace(/\/$/, '')}`)
    .sort();
}

/**
 * Whether a found path may be shown or read: not on the `never_allow` list and not denied by
 * the admin policy for reading (a search rooted outside the workspace may reach `~/.ssh`).
 */
export async function admitted(ctx: ToolContext, path: string): Promise<boolean> {
  try {
    if (ctx.boundary.checkReal(path, 'read').kind === 'never') return false;
    await ctx.recheckPolicy({ kind: 'file_read', path });
    return true;
  } catch {
    return false;
  }
}
