import { BASH_SANDBOXES, ESCAPE_POLICIES, WORKSPACE_MODES } from './schema.js';

/** The names of the merge rules a merge-table row can use. */
export const MERGE_RULE_NAMES = [
  'union',
  'intersect',
  'min',
  'max',
  'max-per-key',
  'toward-safe-mode',
  'toward-deny',
  'toward-sandbox',
  'only-enable',
  'user-only',
] as const;
export type MergeRuleName = (typeof MERGE_RULE_NAMES)[number];

/**
 * How one kind of key combines across layers. `strictest(a, b)` returns the more
 * restrictive of two values; every floor and every workspace tightening is expressed
 * through it, so "never looser" has one definition per rule. `user-only` keys have no
 * notion of restrictive (a model name, an API key): they are replaced, and a workspace
 * file may not set them at all.
 */
export interface MergeRule {
  readonly name: MergeRuleName;
  /** One line for the README's merge table. */
  readonly description: string;
  /** Owner layers (user, env, flags) add to the value rather than replace it. */
  readonly accumulates: boolean;
  readonly strictest: ((a: unknown, b: unknown) => unknown) | undefined;
  /** How an owner layer's value replaces the current one. */
  readonly replace: (current: unknown, incoming: unknown) => unknown;
}

function asList(value: unknown): readonly string[] {
  if (!Array.isArray(value)) throw new TypeError('merge rule expected a list');
  return value as readonly string[];
}

function asNumber(value: unknown): number {
  if (typeof value !== 'number') throw new TypeError('merge rule expected a number');
  return value;
}

function asMap(value: unknown): Readonly<Record<string, number>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('merge rule expected a table');
  }
  return value as Readonly<Record<string, number>>;
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

// `undefined` is "no constraint" for the rules that allow it (an unset allow-list allows
// everything, an unset limit has no maximum), so the other side is always the stricter.
function withUnset(f: (a: unknown, b: unknown) => unknown): (a: unknown, b: unknown) => unknown {
  return (a, b) => (a === undefined ? b : b === undefined ? a : f(a, b));
}

function ordered(order: readonly string[]): (a: unknown, b: unknown) => unknown {
  return (a, b) => {
    const ia = order.indexOf(String(a));
    const ib = order.indexOf(String(b));
    if (ia < 0 || ib < 0) throw new TypeError(`merge rule expected one of ${order.join(', ')}`);
    return ia >= ib ? a : b;
  };
}

const replaceWith = (_current: unknown, incoming: unknown): unknown => incoming;

/** Every merge rule, by name. */
export const MERGE_RULES: Readonly<Record<MergeRuleName, MergeRule>> = {
  union: {
    name: 'union',
    description: 'every layer adds entries; no layer removes one (built-in and admin entries always stay)',
    accumulates: true,
    strictest: withUnset((a, b) => dedupe([...asList(a), ...asList(b)])),
    replace: (a, b) => dedupe([...asList(a), ...asList(b)]),
  },
  intersect: {
    name: 'intersect',
    description:
      'user/env/flags replace the list, then it is intersected (exact strings) with the admin list and the workspace list; unset = no restriction',
    accumulates: false,
    strictest: withUnset((a, b) => {
      const keep = new Set(asList(b));
      return dedupe(asList(a).filter((entry) => keep.has(entry)));
    }),
    replace: replaceWith,
  },
  min: {
    name: 'min',
    description: 'admin value is a maximum; the workspace can only lower it; unset = no limit',
    accumulates: false,
    strictest: withUnset((a, b) => Math.min(asNumber(a), asNumber(b))),
    replace: replaceWith,
  },
  max: {
    name: 'max',
    description: 'admin value is a minimum; the workspace can only raise it',
    accumulates: false,
    strictest: withUnset((a, b) => Math.max(asNumber(a), asNumber(b))),
    replace: replaceWith,
  },
  'max-per-key': {
    name: 'max-per-key',
    description: 'a table merged key by key; each entry follows `max` (a cost can only go up)',
    accumulates: false,
    strictest: withUnset((a, b) => {
      const out: Record<string, number> = { ...asMap(a) };
      for (const [key, value] of Object.entries(asMap(b))) {
        const prev = out[key];
        out[key] = prev === undefined ? value : Math.max(prev, value);
      }
      return out;
    }),
    replace: (a, b) => ({ ...asMap(a), ...asMap(b) }),
  },
  'toward-safe-mode': {
    name: 'toward-safe-mode',
    description: 'ordered autonomous < guided < safe; admin value is the least restrictive allowed',
    accumulates: false,
    strictest: ordered(WORKSPACE_MODES),
    replace: replaceWith,
  },
  'toward-deny': {
    name: 'toward-deny',
    description: 'ordered ask < deny; admin value is the least restrictive allowed',
    accumulates: false,
    strictest: ordered(ESCAPE_POLICIES),
    replace: replaceWith,
  },
  'toward-sandbox': {
    name: 'toward-sandbox',
    description: 'ordered none < auto < bwrap; admin value is the least restrictive allowed',
    accumulates: false,
    strictest: ordered(BASH_SANDBOXES),
    replace: replaceWith,
  },
  'only-enable': {
    name: 'only-enable',
    description: 'true is stricter; admin `true` cannot be switched off; the workspace can only switch it on',
    accumulates: false,
    strictest: (a, b) => a === true || b === true,
    replace: replaceWith,
  },
  'user-only': {
    name: 'user-only',
    description:
      'not policy: later layers replace it; a workspace file setting it is an error (admin value is a default, not a lock)',
    accumulates: false,
    strictest: undefined,
    replace: replaceWith,
  },
};

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return [...new Set(value.map((v) => JSON.stringify(normalise(v))))].sort();
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.map(([k, v]) => [k, normalise(v)]);
  }
  return value;
}

/** Value equality for merged values: lists compare as sets, tables key by key. */
export function sameConfigValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

/**
 * True when `a` is at least as restrictive as `b` under `rule` (for `user-only`, when
 * they are equal). Used for warnings and by the "never looser" property test.
 */
export function isAtLeastAsStrict(rule: MergeRuleName, a: unknown, b: unknown): boolean {
  const strictest = MERGE_RULES[rule].strictest;
  if (strictest === undefined) return sameConfigValue(a, b);
  return sameConfigValue(strictest(a, b), a);
}
