import { posix } from 'node:path';
import picomatch from 'picomatch';
import { escapeGlob, isAncestorOrSelf } from './paths.js';
import type { PathOp } from './types.js';

/**
 * Path denials: a compiled glob per rule, its static base (the literal directory above the
 * first wildcard) and its segments. A path matches when the glob matches it; a delete is
 * also denied when it would remove the base (deleting ~ removes ~/.ssh); a glob a command
 * may expand (or a directory it walks recursively) is denied when it can overlap a rule.
 */
export interface PathRule {
  readonly source: string;
  readonly glob: string;
  readonly base: string;
  readonly match: (path: string) => boolean;
  readonly segments: readonly string[];
}

/** Compiles an absolute glob (after `~` expansion) into a {@link PathRule}. */
export function compilePathRule(source: string, glob: string): PathRule {
  const normalised = glob.length > 1 ? glob.replace(/\/+$/, '') : glob;
  const scan = picomatch.scan(normalised);
  const base = scan.isGlob ? scan.base || '/' : unescapeGlob(normalised);
  return {
    source,
    glob: normalised,
    base: posix.resolve('/', base),
    match: picomatch(normalised, { dot: true }),
    segments: splitSegments(normalised),
  };
}

/** Rules from `denied_paths`: absolute or `~` globs. */
export function compileDeniedPaths(patterns: readonly string[], home: string): PathRule[] {
  return patterns.map((p) => {
    const expanded = p === '~' || p.startsWith('~/') ? escapeGlob(home) + p.slice(1) : p;
    return compilePathRule(p, expanded);
  });
}

/** Rules from `write_denied_in_workspace`, joined to the (literal) workspace root. */
export function compileWorkspaceRules(patterns: readonly string[], root: string): PathRule[] {
  const base = escapeGlob(root === '/' ? '' : root.replace(/\/+$/, ''));
  return patterns.map((p) => compilePathRule(p, `${base}/${p.replace(/^\.\/+/, '')}`));
}

/** The first rule that denies `op` on the absolute, normalised `path`. */
export function pathDenial(rules: readonly PathRule[], op: PathOp, path: string): PathRule | undefined {
  for (const rule of rules) {
    if (rule.match(path)) return rule;
    if (op === 'delete' && isAncestorOrSelf(path, rule.base)) return rule;
  }
  return undefined;
}

/** The first rule a command's path pattern (a shell glob, or `dir/**`) can overlap. */
export function globDenial(rules: readonly PathRule[], pattern: string): PathRule | undefined {
  const segments = splitSegments(pattern);
  // No real path is this deep; refusing to reason about it keeps the check bounded.
  if (segments.length > MAX_SEGMENTS) return rules[0];
  return rules.find((rule) => overlaps(segments, rule.segments));
}

const MAX_SEGMENTS = 256;

function splitSegments(glob: string): string[] {
  return glob.split('/').filter((s) => s !== '');
}

function unescapeGlob(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

function isLiteral(segment: string): boolean {
  return escapeGlob(unescapeGlob(segment)) === segment;
}

const matchers = new Map<string, (s: string) => boolean>();
function segmentMatcher(glob: string, dot: boolean): (s: string) => boolean {
  const key = `${dot ? 1 : 0}${glob}`;
  let m = matchers.get(key);
  if (m === undefined) {
    m = picomatch(glob, { dot });
    if (matchers.size > 1000) matchers.clear();
    matchers.set(key, m);
  }
  return m;
}

// Whether one segment of the command's pattern (`a`, a bash glob: `*` skips dotfiles) and
// one of a rule (`b`, an admin glob: dotfiles included) can name the same directory entry.
// Two wildcards are assumed to overlap: a false alarm denies, a miss would not.
function segmentsOverlap(a: string, b: string): boolean {
  const aLiteral = isLiteral(a);
  const bLiteral = isLiteral(b);
  if (aLiteral && bLiteral) return unescapeGlob(a) === unescapeGlob(b);
  if (bLiteral) return segmentMatcher(a, false)(unescapeGlob(b));
  if (aLiteral) return segmentMatcher(b, true)(unescapeGlob(a));
  return true;
}

/** Whether two segment lists (with `**` for any number of segments) can match a common path. */
function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const width = b.length + 1;
  const go = (i: number, j: number): boolean => {
    const key = i * width + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === '**') result = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (b[j] === '**') result = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = segmentsOverlap(a[i] as string, b[j] as string) && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}
