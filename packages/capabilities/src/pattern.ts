import picomatch from 'picomatch';

/**
 * The glob language of token patterns, a strict subset of picomatch:
 *   `*`  any run of characters inside one `/`-separated segment (never crosses `/`),
 *   `**` as a whole segment: any number of segments (crosses `/`),
 *   `?`  one character other than `/`,
 *   `\x` the character x itself (so `\*` is a literal star).
 * Every other character is literal. Braces, brackets, extglobs, `!` negation, `|` and
 * parentheses are NOT special: picomatch would otherwise turn `a|b`, `a(b)` or `a{1,3}` into
 * regex alternation, groups and quantifiers (checked: its `noextglob`/`nobrace`/`nobracket`
 * options do not stop that), so a pattern could cover far more than it reads. We escape
 * them before picomatch sees the pattern.
 */
const PICOMATCH_OPTIONS: picomatch.PicomatchOptions = {
  // A grant of `file:///ws/**` is a grant of the whole directory, `.env` and `.git/` included:
  // hiding dotfiles from `*` would make the token narrower than what the user was shown.
  // `.` and `..` segments are never matched (picomatch excludes them, and we reject them).
  dot: true,
  nobrace: true,
  noextglob: true,
  nonegate: true,
  nobracket: true,
  // `file:///ws/*` must not match `file:///ws/a/` (a trailing slash is another path form).
  strictSlashes: true,
  // POSIX paths on every platform: a backslash is an escape, never a separator.
  windows: false,
};

/** A compiled pattern: tests one string. */
export type Matcher = (input: string) => boolean;

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
const MAX_CACHED_MATCHERS = 4096;
const matchers = new Map<string, Matcher>();

/** True when the pattern has an unescaped `*` or `?`. */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?') return true;
  }
  return false;
}

/** The pattern with escapes removed: the literal text it names where it has no wildcards. */
export function unescapePattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      out += pattern[i] ?? '';
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Why `pattern` is not an acceptable glob, or undefined when it is. Checked at mint time and
 * again whenever a token is parsed, so a token signed by another trusted issuer cannot bring
 * in a pattern that we would refuse to mint. `..` segments are always refused; `.` segments
 * only when `allowDotSegment` is false (URIs are canonical paths; command arguments are not).
 */
export function patternProblem(pattern: string, allowDotSegment = false): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.includes('\0')) return 'contains a NUL byte';
  let escaped = false;
  for (const c of pattern) escaped = !escaped && c === '\\';
  if (escaped) return 'ends with a lone backslash';
  // `.`/`..` segments are judged on the unescaped text, so `\.\.` is refused as well.
  for (const segment of unescapePattern(pattern).split('/')) {
    if (segment === '..' || (segment === '.' && !allowDotSegment)) return `contains a "${segment}" segment`;
  }
  return undefined;
}

function toPicomatch(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\') {
      i++;
      const next = pattern[i] ?? '';
      out += ASCII_PUNCTUATION.test(next) ? `\\${next}` : next;
    } else if (c === '*' || c === '?' || c === '/') {
      out += c;
    } else {
      // Escaping `.` also stops picomatch from stripping a leading `./` from the pattern.
      out += ASCII_PUNCTUATION.test(c) ? `\\${c}` : c;
    }
  }
  return out;
}

/**
 * The matcher for a pattern, compiled once and cached. Patterns without wildcards compare by
 * string equality, so they can never match more than the one string they spell.
 * Throws RangeError for a pattern {@link patternProblem} refuses even with `.` segments allowed
 * (callers apply the stricter URI rules first).
 */
export function compilePattern(pattern: string): Matcher {
  let matcher = matchers.get(pattern);
  if (matcher !== undefined) return matcher;
  const problem = patternProblem(pattern, true);
  if (problem !== undefined) throw new RangeError(`pattern ${JSON.stringify(pattern)} ${problem}`);
  if (hasWildcard(pattern)) {
    matcher = picomatch(toPicomatch(pattern), PICOMATCH_OPTIONS);
  } else {
    const literal = unescapePattern(pattern);
    matcher = (input) => input === literal;
  }
  // Patterns come from signed tokens, so the set is small; the bound only stops unbounded growth.
  if (matchers.size >= MAX_CACHED_MATCHERS) matchers.clear();
  matchers.set(pattern, matcher);
  return matcher;
}
