import { posix } from 'node:path';
import { compileGlob, type GlobMatcher, literalPrefix } from './glob.js';
import { expandTilde } from './paths.js';
import { type ResolverFs, realLocation } from './resolve.js';

/** One compiled `never_allow` entry; `rule` is the pattern as configured, for messages and audit. */
export interface NeverRule {
  readonly rule: string;
  readonly matches: GlobMatcher;
}

/** The rule name reported for the built-in denial of Astrid's own data directory. */
export const ASTRID_HOME_RULE = 'ASTRID_HOME';

interface Anchors {
  readonly home: string;
  readonly realRoot: string;
  readonly fs: ResolverFs;
}

/** Turns a configured pattern into an absolute one: `~/` from home, relative from the workspace root. */
function absolutePattern(pattern: string, anchors: Anchors): string {
  if (typeof pattern !== 'string') throw new TypeError(`"neverAllow" entries must be strings`);
  if (pattern.length === 0) throw new RangeError('"neverAllow" contains an empty pattern');
  // Negation would turn a deny list into an allow list; there is no sane meaning for it here.
  if (pattern.startsWith('!'))
    throw new RangeError(`"neverAllow" pattern ${JSON.stringify(pattern)} negates`);
  let expanded: string;
  try {
    expanded = expandTilde(pattern, anchors.home);
  } catch {
    throw new RangeError(`"neverAllow" pattern ${JSON.stringify(pattern)} uses ~user`);
  }
  const absolute = expanded.startsWith('/') ? expanded : `${anchors.realRoot}/${expanded}`;
  return absolute.replace(/\/+/g, '/');
}

/**
 * Compiles the `never_allow` list. Each pattern is also compiled a second time with its literal
 * prefix replaced by that prefix's real location: `/home/me/.ssh/**` written through a
 * symlinked home must still catch the real `/data/home/me/.ssh/id_ed25519`. Matching happens
 * on the real and on the lexical path, so both spellings of a location are covered.
 */
export async function compileNeverRules(patterns: readonly string[], anchors: Anchors): Promise<NeverRule[]> {
  const rules: NeverRule[] = [];
  for (const pattern of patterns) {
    const absolute = absolutePattern(pattern, anchors);
    rules.push({ rule: pattern, matches: compileGlob(absolute) });
    const prefix = literalPrefix(absolute);
    const realPrefix = await realLocation(posix.normalize(prefix), anchors.fs);
    if (realPrefix !== prefix) {
      rules.push({ rule: pattern, matches: compileGlob(realPrefix + absolute.slice(prefix.length)) });
    }
  }
  return rules;
}

/** Rules that keep the agent out of the data directory whatever `never_allow` says. */
export function astridHomeRules(lexicalHome: string, realHome: string): NeverRule[] {
  const within = (base: string): GlobMatcher => {
    const prefix = `${base}/`;
    return (path) => path === base || path.startsWith(prefix);
  };
  const rules = [{ rule: ASTRID_HOME_RULE, matches: within(lexicalHome) }];
  if (realHome !== lexicalHome) rules.push({ rule: ASTRID_HOME_RULE, matches: within(realHome) });
  return rules;
}

/** The first rule matching either spelling of the path, or undefined. */
export function firstNeverMatch(
  rules: readonly NeverRule[],
  realPath: string,
  lexical: string,
): string | undefined {
  for (const r of rules) {
    if (r.matches(realPath) || r.matches(lexical)) return r.rule;
  }
  return undefined;
}
