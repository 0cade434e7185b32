import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtInDefaults, ConfigLayerSchema, ENV_VARIABLES, MERGE_RULES, MERGE_TABLE } from '../src/index.js';
import { at, makeSandbox, type Sandbox, valueAt } from './helpers.js';
import { ROW_SAMPLES } from './row-samples.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox();
});
afterAll(async () => {
  await sb.cleanup();
});

function leafPaths(schema: z.ZodType, prefix = ''): string[] {
  let node = schema;
  while (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  if (!(node instanceof z.ZodObject)) return [prefix];
  return Object.entries(node.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
    leafPaths(child, prefix === '' ? key : `${prefix}.${key}`),
  );
}

describe('the merge table', () => {
  it('has exactly one row per schema leaf', () => {
    const rows = MERGE_TABLE.map((r) => r.path);
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows].sort()).toEqual(leafPaths(ConfigLayerSchema).sort());
  });

  it('has a test sample for every row, of the matching kind', () => {
    expect(Object.keys(ROW_SAMPLES).sort()).toEqual(MERGE_TABLE.map((r) => r.path).sort());
    for (const row of MERGE_TABLE) {
      expect(ROW_SAMPLES[row.path]?.kind, row.path).toBe(row.rule === 'user-only' ? 'user-only' : 'policy');
    }
  });

  it('is the table printed in the README', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    // Cells may be padded (the formatter aligns Markdown tables).
    const documented = [...readme.matchAll(/^\|\s*`([a-z_.]+)`\s*\|\s*`([a-z-]+)`\s*\|/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(documented).toEqual(MERGE_TABLE.map((r) => `${r.path} ${r.rule}`));
    const rulesSection = readme.slice(
      readme.indexOf('The rules (`MERGE_RULES`)'),
      readme.indexOf('How each layer'),
    );
    const rulesDocumented = [...rulesSection.matchAll(/^\|\s*`([a-z-]+)`\s*\|\s*[^`\s]/gm)].map((m) => m[1]);
    expect(rulesDocumented).toEqual(Object.keys(MERGE_RULES));
  });
});

const envNameFor = (path: string) =>
  ENV_VARIABLES.find((v) => v.path === path && v.providers === undefined)?.name;

describe.each(MERGE_TABLE.filter((r) => r.rule !== 'user-only'))('policy row $path ($rule)', (row) => {
  const sample = ROW_SAMPLES[row.path];
  if (sample?.kind !== 'policy') throw new Error(`no policy sample for ${row.path}`);
  const { tight, loose } = sample;
  const builtIn = valueAt(builtInDefaults(), row.path);
  const get = async (p: Promise<{ config: unknown }>) => valueAt((await p).config, row.path);

  // For unions, "not loosened" means every entry stays; for other rules, the tight value wins.
  const expectTight = (value: unknown) => {
    if (row.rule === 'union') {
      expect(value).toEqual(expect.arrayContaining([...(tight as string[]), ...(builtIn as string[])]));
    } else {
      expect(value).toEqual(tight);
    }
  };

  it('admin floor: the user file cannot loosen it', async () => {
    expectTight(await get(sb.loadLayers({ admin: at(row.path, tight), user: at(row.path, loose) })));
  });

  it('admin floor: the workspace file cannot loosen it', async () => {
    expectTight(await get(sb.loadLayers({ admin: at(row.path, tight), workspace: at(row.path, loose) })));
  });

  it('admin floor: flags cannot loosen it', async () => {
    expectTight(await get(sb.loadLayers({ admin: at(row.path, tight) }, { flags: at(row.path, loose) })));
  });

  const envName = envNameFor(row.path);
  // Only some keys have a variable; the others get no test rather than a skipped one.
  if (envName !== undefined) {
    it(`admin floor: ${envName} cannot loosen it`, async () => {
      const env = { [envName]: String(loose) };
      expectTight(await get(sb.loadLayers({ admin: at(row.path, tight) }, { env })));
    });
  }

  it('workspace can tighten the user value', async () => {
    expectTight(await get(sb.loadLayers({ user: at(row.path, loose), workspace: at(row.path, tight) })));
  });

  it('workspace cannot loosen the user value, and says so', async () => {
    const loaded = await sb.loadLayers({ user: at(row.path, tight), workspace: at(row.path, loose) });
    expectTight(valueAt(loaded.config, row.path));
    if (row.rule !== 'union') {
      expect(loaded.warnings.some((w) => w.layer === 'workspace' && w.path === row.path)).toBe(true);
    }
  });

  it('env and flags cannot undo the workspace tightening', async () => {
    expectTight(await get(sb.loadLayers({ workspace: at(row.path, tight) }, { flags: at(row.path, loose) })));
  });

  it('the user may move off the built-in default when no admin floor is set', async () => {
    const value = await get(sb.loadLayers({ user: at(row.path, loose) }));
    if (row.rule === 'union') {
      // Even the user cannot drop a built-in denial; entries only accumulate.
      expect(value).toEqual(expect.arrayContaining([...(loose as string[]), ...(builtIn as string[])]));
    } else {
      expect(value).toEqual(loose);
    }
    const viaFlags = await get(sb.loadLayers({}, { flags: at(row.path, loose) }));
    expect(viaFlags).toEqual(value);
  });
});

describe.each(MERGE_TABLE.filter((r) => r.rule === 'user-only'))('user-only row $path', (row) => {
  const sample = ROW_SAMPLES[row.path];
  if (sample?.kind !== 'user-only') throw new Error(`no user-only sample for ${row.path}`);
  const { a, b } = sample;

  it('a workspace file setting it is refused, naming the file and the key', async () => {
    const attempt = sb.loadLayers({ user: at(row.path, a), workspace: at(row.path, b) });
    await expect(attempt).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(attempt).rejects.toThrow(sb.workspacePath);
    await expect(attempt).rejects.toThrow(`${row.path}: may only be set in the user or admin config`);
  });

  it('the user replaces the admin value, and flags replace the user value', async () => {
    const byUser = await sb.loadLayers({ admin: at(row.path, a), user: at(row.path, b) });
    expect(valueAt(byUser.config, row.path)).toEqual(b);
    expect(byUser.provenance[row.path]).toBe('user');
    const byFlags = await sb.loadLayers({ user: at(row.path, a) }, { flags: at(row.path, b) });
    expect(valueAt(byFlags.config, row.path)).toEqual(b);
    expect(byFlags.provenance[row.path]).toBe('flags');
  });

  const envName = ENV_VARIABLES.find((v) => v.path === row.path && v.name.startsWith('ASTRID_'))?.name;
  if (envName !== undefined) {
    it(`${envName} replaces the user value`, async () => {
      const loaded = await sb.loadLayers({ user: at(row.path, a) }, { env: { [envName]: String(b) } });
      expect(valueAt(loaded.config, row.path)).toEqual(b);
      expect(loaded.provenance[row.path]).toBe('env');
    });
  }
});

describe('allow-lists and "unset"', () => {
  it('unset everywhere means no restriction (undefined), not an empty list', async () => {
    const { config } = await sb.loadLayers({});
    expect(config.security.policy.allowed_hosts).toBeUndefined();
    expect(config.security.policy.allowed_paths).toBeUndefined();
  });

  it('a workspace may add a restriction where no layer had one', async () => {
    const { config } = await sb.loadLayers({
      workspace: at('security.policy.allowed_hosts', ['api.github.com']),
    });
    expect(config.security.policy.allowed_hosts).toEqual(['api.github.com']);
  });

  it('disjoint admin and user lists leave nothing allowed, never "unrestricted"', async () => {
    const { config } = await sb.loadLayers({
      admin: at('security.policy.allowed_hosts', ['a.example']),
      user: at('security.policy.allowed_hosts', ['b.example']),
    });
    expect(config.security.policy.allowed_hosts).toEqual([]);
  });

  it('a workspace cannot grant a command: allowed_commands starts empty and only shrinks', async () => {
    const { config } = await sb.loadLayers({
      workspace: at('security.policy.allowed_commands', ['rm -rf *']),
    });
    expect(config.security.policy.allowed_commands).toEqual([]);
  });

  it('intersection is by exact string, so a narrower-looking pattern is not kept', async () => {
    const { config } = await sb.loadLayers({
      user: at('security.policy.allowed_paths', ['/ws/**']),
      workspace: at('security.policy.allowed_paths', ['/ws/a/**']),
    });
    expect(config.security.policy.allowed_paths).toEqual([]);
  });
});
