import fc from 'fast-check';
import { stringify } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import {
  BASH_SANDBOXES,
  type ConfigFileReader,
  ESCAPE_POLICIES,
  loadConfig,
  MERGE_TABLE,
  type MergeRuleName,
  WORKSPACE_MODES,
} from '../src/index.js';
import { valueAt } from './helpers.js';
import { ROW_SAMPLES } from './row-samples.js';

const ADMIN = '/virtual/etc/astrid/config.toml';
const HOME = '/virtual/home/.astrid';
const WORKSPACE = '/virtual/project';

function build(entries: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(entries)) {
    const keys = path.split('.');
    let node = root;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1) ?? ''] = value;
  }
  return root;
}

function layerArb(rows: readonly { path: string }[]): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const row of rows) {
    const sample = ROW_SAMPLES[row.path];
    if (sample !== undefined) model[row.path] = sample.arb;
  }
  return fc.record(model, { requiredKeys: [] }).map(build);
}

const policyRows = MERGE_TABLE.filter((r) => r.rule !== 'user-only');
const envArb = fc.record(
  {
    ASTRID_WORKSPACE_MODE: fc.constantFrom(...WORKSPACE_MODES),
    ASTRID_SESSION_MAX_USD: fc.constantFrom('0', '1', '50'),
    ASTRID_BASH_SANDBOX: fc.constantFrom(...BASH_SANDBOXES),
  },
  { requiredKeys: [] },
);

const ORDERS: Partial<Record<MergeRuleName, readonly string[]>> = {
  'toward-safe-mode': WORKSPACE_MODES,
  'toward-deny': ESCAPE_POLICIES,
  'toward-sandbox': BASH_SANDBOXES,
};

// "withWs is at least as restrictive as without", written from each rule's meaning and
// independently of the implementation's `strictest`.
function notLooser(rule: MergeRuleName, withWs: unknown, without: unknown): boolean {
  const list = (v: unknown) => v as string[];
  switch (rule) {
    case 'union':
      return list(without).every((e) => list(withWs).includes(e));
    case 'intersect':
      if (without === undefined) return true;
      return withWs !== undefined && list(withWs).every((e) => list(without).includes(e));
    case 'min':
      return without === undefined || (withWs !== undefined && (withWs as number) <= (without as number));
    case 'max':
      return (withWs as number) >= (without as number);
    case 'only-enable':
      return without !== true || withWs === true;
    case 'max-per-key': {
      const w = withWs as Record<string, number>;
      return Object.entries(without as Record<string, number>).every(([k, v]) => (w[k] ?? -1) >= v);
    }
    case 'user-only':
      return JSON.stringify(withWs) === JSON.stringify(without);
    default: {
      const order = ORDERS[rule] ?? [];
      return order.indexOf(String(withWs)) >= order.indexOf(String(without));
    }
  }
}

describe('property: a workspace layer never loosens the result', () => {
  it('for random admin, user, workspace, env and flags layers', async () => {
    await fc.assert(
      fc.asyncProperty(
        layerArb(MERGE_TABLE),
        layerArb(MERGE_TABLE),
        layerArb(policyRows),
        envArb,
        fc.option(layerArb(MERGE_TABLE), { nil: undefined }),
        async (admin, user, workspace, env, flags) => {
          const files = new Map<string, string>([
            [ADMIN, stringify(admin)],
            [`${HOME}/config.toml`, stringify(user)],
          ]);
          const readFile: ConfigFileReader = async (path) => {
            const text = files.get(path);
            return text === undefined
              ? { kind: 'missing' }
              : { kind: 'ok', bytes: new TextEncoder().encode(text) };
          };
          const options = { adminPath: ADMIN, home: HOME, workspace: WORKSPACE, env, flags, readFile };
          const without = await loadConfig(options);
          files.set(`${WORKSPACE}/.astrid/config.toml`, stringify(workspace));
          const withWs = await loadConfig(options);

          for (const row of MERGE_TABLE) {
            const a = valueAt(withWs.config, row.path);
            const b = valueAt(without.config, row.path);
            if (!notLooser(row.rule, a, b)) {
              throw new Error(
                `${row.path} (${row.rule}) loosened: ${JSON.stringify(b)} -> ${JSON.stringify(a)}`,
              );
            }
          }
          const mw = withWs.config.budget;
          const mo = without.config.budget;
          expect(mw.session_max_micro_usd).toBeLessThanOrEqual(mo.session_max_micro_usd);
          expect(mw.per_action_max_micro_usd).toBeLessThanOrEqual(mo.per_action_max_micro_usd);
        },
      ),
      { numRuns: 300, seed: 20_260_501 },
    );
  });

  it('the checker itself catches a loosening (so the property can fail)', () => {
    expect(notLooser('union', ['a'], ['a', 'b'])).toBe(false);
    expect(notLooser('intersect', undefined, ['a'])).toBe(false);
    expect(notLooser('intersect', ['a', 'b'], ['a'])).toBe(false);
    expect(notLooser('min', 10, 5)).toBe(false);
    expect(notLooser('max', 0, 3)).toBe(false);
    expect(notLooser('only-enable', false, true)).toBe(false);
    expect(notLooser('max-per-key', { file_write: 0 }, { file_write: 1 })).toBe(false);
    expect(notLooser('toward-safe-mode', 'autonomous', 'guided')).toBe(false);
    expect(notLooser('toward-deny', 'ask', 'deny')).toBe(false);
    expect(notLooser('toward-sandbox', 'none', 'auto')).toBe(false);
    expect(notLooser('user-only', 'a', 'b')).toBe(false);
  });
});
