import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig } from '../src/index.js';
import { makeSandbox, type Sandbox, valueAt } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

// A valid value for each ASTRID_* variable, and what it resolves to.
const VALID: Readonly<Record<string, [string, unknown]>> = {
  ASTRID_PROVIDER: ['zai', 'zai'],
  ASTRID_PRESET: ['ollama', 'ollama'],
  ASTRID_MODEL: ['glm-4.6', 'glm-4.6'],
  ASTRID_BASE_URL: ['https://gw.example/v1', 'https://gw.example/v1'],
  ASTRID_API_KEY: ['sk-astrid', 'sk-astrid'],
  ASTRID_MAX_TOKENS: ['2048', 2048],
  ASTRID_WORKSPACE_MODE: ['safe', 'safe'],
  ASTRID_ESCAPE_POLICY: ['deny', 'deny'],
  ASTRID_SESSION_MAX_USD: ['2.5', 2.5],
  ASTRID_PER_ACTION_MAX_USD: ['0.05', 0.05],
  ASTRID_APPROVAL_TIMEOUT_SECONDS: ['30', 30],
  ASTRID_BASH_SANDBOX: ['bwrap', 'bwrap'],
  ASTRID_BASH_TIMEOUT_SECONDS: ['15', 15],
};

describe('ASTRID_* variables', () => {
  const astridVars = ENV_VARIABLES.filter((v) => v.name.startsWith('ASTRID_'));

  it('the test covers every variable in the table', () => {
    expect(astridVars.map((v) => v.name).sort()).toEqual(Object.keys(VALID).sort());
  });

  it.each(astridVars.map((v) => [v.name, v.path] as const))('%s sets %s', async (name, path) => {
    const [text, expected] = VALID[name] ?? ['', undefined];
    const loaded = await sb.load({ env: { [name]: text } });
    expect(valueAt(loaded.config, path)).toEqual(expected);
    expect(loaded.provenance[path]).toBe('env');
  });

  it('override the user file, and flags override them', async () => {
    await sb.write('user', '[workspace]\nmode = "autonomous"\n');
    const env = { ASTRID_WORKSPACE_MODE: 'guided' };
    expect((await sb.load({ env })).config.workspace.mode).toBe('guided');
    expect((await sb.load({ env, flags: { workspace: { mode: 'safe' } } })).config.workspace.mode).toBe(
      'safe',
    );
  });

  it('budget variables also appear in micro-dollars', async () => {
    const { config } = await sb.load({
      env: { ASTRID_SESSION_MAX_USD: '2.5', ASTRID_PER_ACTION_MAX_USD: '0.000001' },
    });
    expect(config.budget.session_max_micro_usd).toBe(2_500_000);
    expect(config.budget.per_action_max_micro_usd).toBe(1);
  });

  it('an empty variable counts as unset', async () => {
    const { config, provenance } = await sb.load({ env: { ASTRID_WORKSPACE_MODE: '', ASTRID_MODEL: '' } });
    expect(config.workspace.mode).toBe('guided');
    expect(provenance['model.model']).toBe('defaults');
  });

  it('unknown ASTRID_* variables are ignored, even ones that look like config', async () => {
    const env = {
      ASTRID_WORKSPACE_MOD: 'autonomous',
      ASTRID_SECURITY_POLICY_DENIED_PATHS: '',
      ASTRID_ESCALATE_AFTER_UNTRUSTED: 'false',
      ASTRID_COUNTDOWN_SECONDS: '0',
    };
    const { config, warnings } = await sb.load({ env });
    expect(config.workspace.mode).toBe('guided');
    expect(config.security.policy.escalate_after_untrusted).toBe(true);
    expect(config.approval.countdown_seconds).toBe(3);
    expect(warnings).toEqual([]);
  });

  it('ASTRID_HOME selects the user config and the denied data dir', async () => {
    await sb.write('user', '[workspace]\nmode = "safe"\n');
    const loaded = await loadConfig({ adminPath: sb.adminPath, env: { ASTRID_HOME: sb.home } });
    expect(loaded.home).toBe(sb.home);
    expect(loaded.config.workspace.mode).toBe('safe');
    expect(loaded.config.security.policy.denied_paths).toContain(`${sb.home}/**`);
  });

  it('numbers are parsed strictly: "1e3" and " 5" are strings, so errors', async () => {
    await expect(sb.load({ env: { ASTRID_MAX_TOKENS: '1e3' } })).rejects.toThrow('ASTRID_MAX_TOKENS');
    await expect(sb.load({ env: { ASTRID_SESSION_MAX_USD: ' 5' } })).rejects.toThrow(
      'ASTRID_SESSION_MAX_USD',
    );
  });
});

describe("the SDKs' own variables", () => {
  const keys = {
    ANTHROPIC_API_KEY: 'sk-ant',
    ANTHROPIC_BASE_URL: 'https://anthropic.proxy.example',
    OPENAI_API_KEY: 'sk-oai',
    OPENAI_BASE_URL: 'https://openai.proxy.example/v1',
  };

  it('ANTHROPIC_* apply when the provider is anthropic (the default)', async () => {
    const { config, provenance } = await sb.load({ env: keys });
    expect(config.model.api_key).toBe('sk-ant');
    expect(config.model.base_url).toBe('https://anthropic.proxy.example');
    expect(provenance['model.api_key']).toBe('env');
  });

  it('OPENAI_* apply when the provider is openai, from a file, ASTRID_PROVIDER or flags', async () => {
    await sb.write('user', '[model]\nprovider = "openai"\n');
    const fromFile = await sb.load({ env: keys });
    expect(fromFile.config.model.api_key).toBe('sk-oai');
    expect(fromFile.config.model.base_url).toBe('https://openai.proxy.example/v1');

    await sb.write('user', '');
    const fromEnv = await sb.load({ env: { ...keys, ASTRID_PROVIDER: 'openai' } });
    expect(fromEnv.config.model.api_key).toBe('sk-oai');
    const fromFlags = await sb.load({ env: keys, flags: { model: { provider: 'openai' } } });
    expect(fromFlags.config.model.api_key).toBe('sk-oai');
  });

  it('neither applies to openai-compatible or zai (a stray OPENAI_BASE_URL must not redirect ollama)', async () => {
    await sb.write('user', '[model]\nprovider = "openai-compatible"\npreset = "ollama"\n');
    const { config } = await sb.load({ env: keys });
    expect(config.model.api_key).toBeUndefined();
    expect(config.model.base_url).toBe('http://127.0.0.1:11434/v1');
  });

  it('ASTRID_API_KEY and ASTRID_BASE_URL win over the SDK variables', async () => {
    const env = { ...keys, ASTRID_API_KEY: 'sk-astrid', ASTRID_BASE_URL: 'https://gw.example' };
    const { config } = await sb.load({ env });
    expect(config.model.api_key).toBe('sk-astrid');
    expect(config.model.base_url).toBe('https://gw.example');
  });

  it('the env layer overrides an api_key in the user file', async () => {
    await sb.write('user', '[model]\napi_key = "sk-file"\n');
    expect((await sb.load({ env: keys })).config.model.api_key).toBe('sk-ant');
    expect((await sb.load({ env: {} })).config.model.api_key).toBe('sk-file');
  });

  it('an invalid SDK base URL is an error naming the variable', async () => {
    await expect(sb.load({ env: { ANTHROPIC_BASE_URL: 'not a url' } })).rejects.toThrow(
      'environment variable ANTHROPIC_BASE_URL: model.base_url: expected an http:// or https:// URL',
    );
  });

  it('paths under a relative ASTRID_HOME are made absolute', async () => {
    const loaded = await loadConfig({ adminPath: sb.adminPath, env: { ASTRID_HOME: 'rel-home' } });
    expect(loaded.home).toBe(join(process.cwd(), 'rel-home'));
  });
});
