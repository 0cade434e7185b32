import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  builtInDefaults,
  DEFAULT_BLOCKED_COMMANDS,
  DEFAULT_DENIED_HOSTS,
  DEFAULT_DENIED_PATHS,
  redactConfig,
  usdToMicroUsd,
} from '../src/index.js';
import { makeSandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

describe('with no files', () => {
  it('resolves to the built-in defaults plus the data-dir denial', async () => {
    const { config, provenance, warnings } = await sb.load();
    const d = builtInDefaults([`${sb.home}/**`]);
    expect(config.workspace).toEqual(d.workspace);
    expect(config.security).toEqual(d.security);
    expect(config.approval).toEqual({
      timeout_seconds: 600,
      allow_always_ttl_seconds: 3600,
      countdown_seconds: 3,
    });
    expect(config.audit).toEqual({ checkpoint_every: 256, checkpoint_seconds: 5 });
    expect(config.tools.bash).toEqual({ timeout_seconds: 120, sandbox: 'auto' });
    expect(config.security.policy.max_argument_bytes).toBe(1024 * 1024);
    expect(config.security.policy.escalate_after_untrusted).toBe(true);
    expect(Object.values(provenance).every((layer) => layer === 'defaults')).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('carries the issue #3 policy defaults', () => {
    for (const c of ['sudo', 'su', 'doas', 'pkexec', 'mkfs*', 'rm -rf /', 'dd of=/dev/*', 'astridd']) {
      expect(DEFAULT_BLOCKED_COMMANDS).toContain(c);
    }
    for (const p of ['/etc/**', '/proc/**', '~/.ssh/**', '~/.aws/**'])
      expect(DEFAULT_DENIED_PATHS).toContain(p);
    for (const h of ['127.0.0.0/8', '::1', '169.254.169.254', 'metadata.google.internal', 'fc00::/7']) {
      expect(DEFAULT_DENIED_HOSTS).toContain(h);
    }
  });

  it('is deeply frozen', async () => {
    const loaded = await sb.load();
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.config.security.policy.denied_paths)).toBe(true);
    expect(() => (loaded.config.security.policy.denied_paths as string[]).pop()).toThrow(TypeError);
    expect(() => {
      (loaded.config.workspace as { mode: string }).mode = 'autonomous';
    }).toThrow(TypeError);
  });
});

describe('money', () => {
  it('USD in TOML is also exposed as integer micro-dollars', async () => {
    await sb.write(
      'user',
      '[budget]\nsession_max_usd = 0.1\nper_action_max_usd = 0.3\nworkspace_max_usd = 12\n[budget.action_costs]\nnetwork_request = 0.000001\n',
    );
    const { budget } = (await sb.load()).config;
    expect(budget.session_max_usd).toBe(0.1);
    expect(budget.session_max_micro_usd).toBe(100_000);
    expect(budget.per_action_max_micro_usd).toBe(300_000);
    expect(budget.workspace_max_micro_usd).toBe(12_000_000);
    expect(budget.action_costs_micro_usd).toEqual({ network_request: 1 });
  });

  it('[model.prices] gives other models a price; a rate left out is an error, not free', async () => {
    const rates =
      'input_micro_usd_per_mtok = 1_000_000\noutput_micro_usd_per_mtok = 5_000_000\ncache_read_micro_usd_per_mtok = 100_000\n';
    await sb.write(
      'user',
      `[model.prices."small-model"]\n${rates}cache_write_micro_usd_per_mtok = 1_250_000\n`,
    );
    expect((await sb.load()).config.model.prices).toEqual({
      'small-model': {
        input_micro_usd_per_mtok: 1_000_000,
        output_micro_usd_per_mtok: 5_000_000,
        cache_read_micro_usd_per_mtok: 100_000,
        cache_write_micro_usd_per_mtok: 1_250_000,
      },
    });
    await sb.write('user', `[model.prices."small-model"]\n${rates}`);
    await expect(sb.load()).rejects.toThrow(/model\.prices\.small-model\.cache_write_micro_usd_per_mtok/);
  });

  it('no workspace budget unless one is set', async () => {
    const { budget } = (await sb.load()).config;
    expect(budget.workspace_max_usd).toBeUndefined();
    expect(budget.workspace_max_micro_usd).toBeUndefined();
  });

  it('usdToMicroUsd rounds to the nearest micro-dollar and rejects bad input', () => {
    expect(usdToMicroUsd(0.1 + 0.2)).toBe(300_000);
    expect(usdToMicroUsd(1_000_000_000)).toBe(1e15);
    expect(() => usdToMicroUsd(-1)).toThrow(RangeError);
    expect(() => usdToMicroUsd(Number.NaN)).toThrow('"usd"');
    expect(() => usdToMicroUsd(1e13)).toThrow(RangeError);
  });
});

describe('the model section', () => {
  it('a preset fills base_url for openai-compatible', async () => {
    await sb.write('user', '[model]\nprovider = "openai-compatible"\npreset = "vllm"\nmodel = "qwen"\n');
    const { config, provenance } = await sb.load();
    expect(config.model.base_url).toBe('http://127.0.0.1:8000/v1');
    expect(provenance['model.base_url']).toBe('user');
  });

  it('an explicit base_url wins over the preset', async () => {
    await sb.write(
      'user',
      '[model]\nprovider = "openai-compatible"\npreset = "ollama"\nbase_url = "http://gpu-box:11434/v1"\n',
    );
    expect((await sb.load()).config.model.base_url).toBe('http://gpu-box:11434/v1');
  });

  it('warns about combinations that cannot work as meant', async () => {
    await sb.write('user', '[model]\nprovider = "anthropic"\npreset = "ollama"\n');
    expect((await sb.load()).warnings.map((w) => w.path)).toEqual(['model.preset']);
    await sb.write('user', '[model]\nprovider = "openai-compatible"\nmodel = "x"\n');
    expect((await sb.load()).warnings.map((w) => w.path)).toEqual(['model.base_url', 'model.pricing']);
  });

  it('warns when the model changes but its prices do not', async () => {
    await sb.write('user', '[model]\nmodel = "claude-opus-4-1"\n');
    expect((await sb.load()).warnings.map((w) => w.path)).toEqual(['model.pricing']);
    await sb.write(
      'user',
      '[model]\nmodel = "claude-opus-4-1"\n[model.pricing]\ninput_micro_usd_per_mtok = 15_000_000\n',
    );
    expect((await sb.load()).warnings).toEqual([]);
  });

  it('redactConfig hides the API key and nothing else', async () => {
    await sb.write('user', '[model]\napi_key = "sk-secret"\n');
    const { config } = await sb.load();
    const shown = redactConfig(config);
    expect(shown.model.api_key).toBe('[redacted]');
    expect(JSON.stringify(shown)).not.toContain('sk-secret');
    expect({ ...shown, model: config.model }).toEqual(config);
  });
});

describe('provenance and warnings', () => {
  it('names the layer that last changed each key', async () => {
    await sb.write('admin', '[budget]\nsession_max_usd = 50\n[approval]\ncountdown_seconds = 5\n');
    await sb.write('user', '[budget]\nsession_max_usd = 20\n[workspace]\nmode = "autonomous"\n');
    await sb.write('workspace', '[workspace]\nmode = "guided"\n[approval]\ncountdown_seconds = 5\n');
    const { provenance } = await sb.load({ flags: { subagents: { max_turns: 9 } } });
    expect(provenance['budget.session_max_usd']).toBe('user');
    expect(provenance['workspace.mode']).toBe('workspace');
    // The workspace set the value it already had: no change, so the admin keeps it.
    expect(provenance['approval.countdown_seconds']).toBe('admin');
    expect(provenance['subagents.max_turns']).toBe('flags');
    expect(provenance['audit.checkpoint_every']).toBe('defaults');
  });

  it('says when the admin floor clamped a user value', async () => {
    await sb.write('admin', '[budget]\nsession_max_usd = 10\n');
    await sb.write('user', '[budget]\nsession_max_usd = 100\n');
    const { config, warnings } = await sb.load();
    expect(config.budget.session_max_usd).toBe(10);
    expect(warnings).toEqual([
      {
        layer: 'user',
        source: sb.userPath,
        path: 'budget.session_max_usd',
        message: 'budget.session_max_usd = 100 is looser than the admin or workspace floor; using 10',
      },
    ]);
  });

  it('an admin may loosen a built-in limit; the user may then only lower it', async () => {
    await sb.write('admin', '[subagents]\nmax_turns = 500\n');
    await sb.write('user', '[subagents]\nmax_turns = 400\n');
    expect((await sb.load()).config.subagents.max_turns).toBe(400);
    await sb.write('user', '[subagents]\nmax_turns = 600\n');
    expect((await sb.load()).config.subagents.max_turns).toBe(500);
  });

  it('an admin may forbid autonomous mode; the user still may choose safe', async () => {
    await sb.write('admin', '[workspace]\nmode = "guided"\n');
    await sb.write('user', '[workspace]\nmode = "safe"\n');
    expect((await sb.load()).config.workspace.mode).toBe('safe');
    // Flags replace the user's choice, but only down to the admin's floor.
    expect((await sb.load({ flags: { workspace: { mode: 'autonomous' } } })).config.workspace.mode).toBe(
      'guided',
    );
  });
});
