import { parse } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtInDefaults, ConfigLayerSchema, MERGE_TABLE, renderDefaultUserConfig } from '../src/index.js';
import { makeSandbox, type Sandbox, valueAt } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

describe('renderDefaultUserConfig', () => {
  it('is valid TOML that passes the schema', () => {
    expect(ConfigLayerSchema.safeParse(parse(renderDefaultUserConfig())).success).toBe(true);
  });

  it('loaded as the user config, resolves to exactly the defaults, with no warnings', async () => {
    const without = await sb.load();
    await sb.write('user', renderDefaultUserConfig());
    const withFile = await sb.load();
    expect(withFile.config).toEqual(without.config);
    expect(withFile.warnings).toEqual([]);
    expect(Object.values(withFile.provenance).every((layer) => layer === 'defaults')).toBe(true);
  });

  it('sets every scalar key that has a default, to that default', () => {
    const parsed = parse(renderDefaultUserConfig());
    const defaults = builtInDefaults();
    const scalarRows = MERGE_TABLE.filter((row) => {
      const value = valueAt(defaults, row.path);
      return value !== undefined && typeof value !== 'object';
    });
    expect(scalarRows.length).toBe(24);
    for (const row of scalarRows)
      expect(valueAt(parsed, row.path), row.path).toEqual(valueAt(defaults, row.path));
  });

  it('is commented and leaves the API key out', () => {
    const text = renderDefaultUserConfig();
    expect(text.split('\n').filter((l) => l.startsWith('#')).length).toBeGreaterThan(30);
    expect(text).toContain('# api_key = ');
    expect(parse(text)).not.toHaveProperty('model.api_key');
    for (const section of [
      '[model]',
      '[workspace]',
      '[security.policy]',
      '[budget]',
      '[approval]',
      '[audit]',
    ]) {
      expect(text).toContain(section);
    }
  });
});
