import { posix } from 'node:path';
import { AstridError } from '@astrid/core';

/** The operations a boundary check is asked about; only `delete` changes how the path resolves. */
export const BOUNDARY_OPS = ['read', 'write', 'delete', 'list', 'execute'] as const;
/** One of {@link BOUNDARY_OPS}. */
export type BoundaryOp = (typeof BOUNDARY_OPS)[number];

/** Throws a TypeError/RangeError unless `op` is one of {@link BOUNDARY_OPS}. */
export function assertOp(op: unknown): asserts op is BoundaryOp {
  if (typeof op !== 'string') throw new TypeError(`"op" expected a string, got ${typeof op}`);
  if (!(BOUNDARY_OPS as readonly string[]).includes(op)) {
    throw new RangeError(`"op" expected one of ${BOUNDARY_OPS.join(', ')}, got ${JSON.stringify(op)}`);
  }
}

/** True when `child` is `parent` or lies below it; both must be absolute and normalised. */
export function isWithin(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent === '/' ? '/' : `${parent}/`;
  return child.startsWith(prefix);
}

/** Throws a RangeError unless `path` is absolute, normalised (no `.`, `..`, `//`, trailing `/`) and NUL-free. */
export function assertCanonicalAbsolute(path: string, name: string): void {
  if (typeof path !== 'string') throw new TypeError(`"${name}" expected a string, got ${typeof path}`);
  if (path.includes('\0')) throw new RangeError(`"${name}" contains a NUL byte`);
  if (!path.startsWith('/') || posix.normalize(path) !== path || (path !== '/' && path.endsWith('/'))) {
    throw new RangeError(`"${name}" expected a canonical absolute path, got ${JSON.stringify(path)}`);
  }
}

/**
 * Expands a leading `~` or `~/` to `home`. `~user` is refused rather than guessed at: the
 * daemon would have to consult the password database of whichever user the agent names, and
 * a path whose meaning depends on that lookup is not one a human can approve at a glance.
 */
export function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return `${home}/${path.slice(2)}`;
  if (path.startsWith('~')) {
    throw new AstridError(
      'INVALID_ARGUMENT',
      `path ${JSON.stringify(path)} uses ~user, which is not expanded`,
      {
        details: { reason: 'tilde_user' },
      },
    );
  }
  return path;
}

/**
 * The lexical absolute form of an agent-supplied path: NUL bytes refused, `~` expanded,
 * relative paths joined to `cwd`, `.` and `..` collapsed without touching the filesystem.
 * The physical resolution happens afterwards on this result; see resolve.ts.
 */
export function lexicalPath(path: unknown, cwd: string, home: string): string {
  if (typeof path !== 'string') throw new TypeError(`"path" expected a string, got ${typeof path}`);
  // A NUL truncates the path in the kernel: what is checked would not be what is opened.
  if (path.includes('\0')) {
    throw new AstridError('INVALID_ARGUMENT', 'path contains a NUL byte', {
      details: { reason: 'nul_byte' },
    });
  }
  if (path.length === 0) {
    throw new AstridError('INVALID_ARGUMENT', 'path is empty', { details: { reason: 'empty_path' } });
  }
  return posix.resolve(cwd, expandTilde(path, home));
}

/**
 * True when the written path names its final component as a directory (`x/`, `x/.`, `x/..`,
 * `.`, `..`): the kernel then follows a final symlink even for unlink/rmdir-style operations.
 */
export function namesDirectory(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last === '' || last === '.' || last === '..' || path === '~';
}
