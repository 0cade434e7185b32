/**
 * A deliberately small path-glob dialect for `never_allow`, written here because picomatch is
 * not a dependency of this package and node 20's `path.matchesGlob` is still experimental
 * (it prints a warning and may change). The dialect is a strict subset of picomatch with
 * `{ dot: true }`: every pattern this file accepts means the same there, so switching to
 * picomatch is a change to {@link compileGlob} alone.
 *
 * - `**` as a whole segment matches zero or more segments (`/a/**` matches `/a` itself);
 * - `*` matches any run of characters except `/`, `?` one character except `/`;
 * - both match dotfiles: a deny list that skipped `.ssh` would be a hole;
 * - a trailing `/` means the directory and everything below it (`/a/` is `/a/**`);
 * - anything picomatch would read as syntax (`[]`, `{}`, `()`, a leading `!`, `\`) is refused
 *   with a RangeError instead of being taken literally, so a rule never silently means less.
 */

/** A compiled glob: true when the absolute path matches. */
export type GlobMatcher = (path: string) => boolean;

const UNSUPPORTED = /[[\]{}()\\]/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function segmentSource(segment: string): string {
  let out = '';
  for (const ch of segment) {
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += escapeRegExp(ch);
  }
  // `a**b` inside one segment behaves like `a*b`, as in picomatch.
  return out.replace(/(\[\^\/\]\*)+/g, '[^/]*');
}

/** Compiles an absolute glob pattern; throws a RangeError naming the pattern if it is outside the dialect. */
export function compileGlob(pattern: string): GlobMatcher {
  if (typeof pattern !== 'string') throw new TypeError(`"pattern" expected a string, got ${typeof pattern}`);
  const shown = JSON.stringify(pattern);
  if (!pattern.startsWith('/')) throw new RangeError(`glob ${shown} is not absolute`);
  if (pattern.includes('\0')) throw new RangeError(`glob ${shown} contains a NUL byte`);
  if (UNSUPPORTED.test(pattern)) {
    throw new RangeError(`glob ${shown} uses unsupported syntax ([] {} () or \\); list each path instead`);
  }
  let body = pattern.replace(/\/+/g, '/');
  if (body.length > 1 && body.endsWith('/')) body = `${body}**`;
  const parts = body.split('/').slice(1);
  if (parts.some((p) => p === '.' || p === '..')) {
    throw new RangeError(`glob ${shown} contains a "." or ".." segment`);
  }
  let source = '';
  for (const part of parts) {
    source += part === '**' ? '(?:/.*)?' : `/${segmentSource(part)}`;
  }
  // `/` alone (parts [""]) compiles to `^/$`; `/**` to `^(?:/.*)?$`, which also matches `/`.
  const re = new RegExp(`^${source}$`, 's');
  return (path) => re.test(path);
}

/** The leading segments of a pattern that contain no glob characters (always absolute). */
export function literalPrefix(pattern: string): string {
  const parts = pattern.split('/');
  const literal: string[] = [];
  for (const part of parts) {
    if (/[*?]/.test(part)) break;
    literal.push(part);
  }
  const prefix = literal.join('/').replace(/\/+$/, '');
  return prefix === '' ? '/' : prefix;
}
