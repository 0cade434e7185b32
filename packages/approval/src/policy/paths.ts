import { posix } from 'node:path';

/**
 * Lexical path handling for the policy. Paths are made absolute against the tracked working
 * directory, `~` is expanded with the given home, and `.`/`..`/`//` are collapsed. No file
 * system access: symlinks are the workspace package's job (it realpaths later), so a
 * lexical verdict here is a floor, never the last word on a path.
 */

/** Expands a leading `~` or `~/` with `home`; any other text is returned unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return `${home}${path.slice(1)}`;
  return path;
}

/** Absolute, normalised form of `path`: `~` expanded, relative paths joined to `cwd`. */
export function resolvePath(path: string, cwd: string, home: string): string {
  return posix.resolve(cwd, expandHome(path, home));
}

/** The last segment of a path (`/usr/bin/sudo` → `sudo`); the input itself when it has no slash. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  return at === -1 ? trimmed : trimmed.slice(at + 1);
}

/** True when `ancestor` is `path` itself or one of its parent directories (both absolute, normalised). */
export function isAncestorOrSelf(ancestor: string, path: string): boolean {
  if (ancestor === '/' || ancestor === path) return true;
  return path.startsWith(`${ancestor}/`);
}

/** Characters with a meaning in picomatch patterns, escaped so that a literal path matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]{}()!+@\\|]/g, (c) => `\\${c}`);
}

/** Joins a glob `pattern` (relative or absolute, `~` allowed) to a literal `cwd`, escaping the cwd. */
export function absoluteGlob(pattern: string, cwd: string, home: string): string {
  if (pattern === '~' || pattern.startsWith('~/')) return `${escapeGlob(home)}${pattern.slice(1)}`;
  if (pattern.startsWith('/')) return pattern;
  const base = escapeGlob(cwd === '/' ? '' : cwd);
  return `${base}/${pattern}`;
}

/** Pseudo-devices that carry no data of their own: reading or writing them is not a file access. */
const HARMLESS_DEVICES = new Set([
  '/dev/null',
  '/dev/zero',
  '/dev/random',
  '/dev/urandom',
  '/dev/full',
  '/dev/stdin',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/tty',
]);

/** True for `/dev/null`, `/dev/std*`, `/dev/fd/N` and similar, which commands use as plumbing. */
export function isHarmlessDevice(path: string): boolean {
  return HARMLESS_DEVICES.has(path) || /^\/dev\/fd\/\d+$/.test(path);
}
