import { posix } from 'node:path';

/** True when `path` is `dir` or inside it (both absolute and normalised). */
export function isWithin(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

/**
 * Directories the system needs to run any command: hiding one as a whole would break the
 * sandbox rather than protect anything, so a mask that lands exactly on one is left to the
 * policy (their known secrets, such as `/etc/shadow`, are masked one by one instead).
 */
export const SYSTEM_DIRECTORIES: readonly string[] = [
  '/',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc',
];

/** Trees the sandbox replaces with fresh, private ones: the host's content is not there anyway. */
export const REPLACED_TREES: readonly string[] = ['/proc', '/dev', '/tmp'];

const GLOB_CHARS = new Set(['*', '?', '[', '{']);

/**
 * The fixed directory part of a glob, with backslash escapes removed: the path segments
 * before the first segment that holds an unescaped `*`, `?`, `[` or `{`. Hiding that
 * prefix hides everything the glob can match (and maybe more, the safe direction).
 * `/home/u/.config/gh*` gives `/home/u/.config`; a literal path gives itself.
 */
export function globFixedPrefix(pattern: string): string {
  const fixed: string[] = [];
  for (const segment of pattern.split('/')) {
    let literal = '';
    let glob = false;
    for (let i = 0; i < segment.length; i++) {
      const ch = segment[i] as string;
      if (ch === '\\' && i + 1 < segment.length) {
        literal += segment[++i];
      } else if (GLOB_CHARS.has(ch)) {
        glob = true;
        break;
      } else literal += ch;
    }
    if (glob) break;
    fixed.push(literal);
  }
  const joined = fixed.join('/');
  return joined === '' && pattern.startsWith('/') ? '/' : joined;
}

/** Absolute, normalised, without a trailing slash (`/` stays `/`). */
export function normaliseAbsolute(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}
