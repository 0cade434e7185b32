import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConfigFileReader, MAX_CONFIG_BYTES } from '../src/index.js';
import { makeSandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

async function failure(p: Promise<unknown>): Promise<AstridError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AstridError)) throw new Error(`expected an AstridError, got ${String(err)}`);
  return err;
}

describe('schema errors name the file, the key path and what was expected', () => {
  it('an unknown top-level table', async () => {
    await sb.write('user', '[servers.github]\ncommand = "x"\n');
    const err = await failure(sb.load());
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(
      `${sb.userPath}: servers: unknown key; expected one of: model, workspace, security`,
    );
  });

  it('an unknown nested key (a typo)', async () => {
    await sb.write('admin', '[security.policy]\ndenied_path = ["/srv/**"]\n');
    const err = await failure(sb.load());
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(
      `${sb.adminPath}: security.policy.denied_path: unknown key; expected one of:`,
    );
    expect(err.message).toContain('denied_paths');
  });

  it('a wrong type inside a list names the index', async () => {
    await sb.write('user', '[security.policy]\ndenied_paths = ["/a/**", "/b/**", 3]\n');
    const err = await failure(sb.load());
    expect(err.message).toBe(
      `${sb.userPath}: security.policy.denied_paths[2]: expected a string, got an integer`,
    );
    expect(err.details).toMatchObject({
      file: sb.userPath,
      issues: [{ path: 'security.policy.denied_paths[2]', expected: 'expected a string, got an integer' }],
    });
  });

  it('a value outside an enum lists the allowed values', async () => {
    await sb.write('workspace', '[workspace]\nmode = "yolo"\n');
    const err = await failure(sb.load());
    expect(err.message).toBe(
      `${sb.workspacePath}: workspace.mode: expected one of "autonomous", "guided", "safe"`,
    );
  });

  it('numbers: wrong type, fraction for an integer, and out of range', async () => {
    await sb.write(
      'user',
      '[model]\nmax_tokens = "lots"\n[budget]\nsession_max_usd = -1\n[approval]\ncountdown_seconds = 1.5\n',
    );
    const err = await failure(sb.load());
    expect(err.message.split('\n')).toEqual([
      `${sb.userPath}: model.max_tokens: expected a number, got a string`,
      `${sb.userPath}: budget.session_max_usd: expected a number >= 0`,
      `${sb.userPath}: approval.countdown_seconds: expected an integer, got a float`,
    ]);
  });

  it('a base_url that is not http(s), and an unknown action kind in action_costs', async () => {
    await sb.write('user', '[model]\nbase_url = "ftp://x.example"\n[budget.action_costs]\nteleport = 1\n');
    const err = await failure(sb.load());
    expect(err.message).toContain(`${sb.userPath}: model.base_url: expected an http:// or https:// URL`);
    expect(err.message).toContain(
      `${sb.userPath}: budget.action_costs.teleport: unknown key; expected one of: file_read,`,
    );
  });

  it('a TOML date where a string is expected', async () => {
    await sb.write('user', '[model]\nmodel = 1979-05-27\n');
    expect((await failure(sb.load())).message).toBe(
      `${sb.userPath}: model.model: expected a string, got a date`,
    );
  });

  it('never echoes the offending value (it could be a key)', async () => {
    await sb.write('user', '[model]\nprovider = "sk-ant-SECRET"\napi_key = 123456789\n');
    const err = await failure(sb.load());
    expect(err.message).toContain('model.provider: expected one of');
    expect(err.message).toContain('model.api_key: expected a string, got an integer');
    expect(err.message).not.toContain('SECRET');
    expect(err.message).not.toContain('123456789');
  });

  it('flags and environment variables are named as the source', async () => {
    const flagErr = await failure(sb.load({ flags: { workspace: { mode: 'fast' } } }));
    expect(flagErr.message).toBe('flags: workspace.mode: expected one of "autonomous", "guided", "safe"');
    const envErr = await failure(sb.load({ env: { ASTRID_MAX_TOKENS: 'lots' } }));
    expect(envErr.code).toBe('CONFIG_INVALID');
    expect(envErr.message).toBe(
      'environment variable ASTRID_MAX_TOKENS: model.max_tokens: expected a number, got a string',
    );
  });
});

describe('file-level failures fail closed', () => {
  it('a file over 1 MiB is refused before parsing; exactly 1 MiB is read', async () => {
    // Broken TOML past the limit: a parse would report CONFIG_PARSE, not CONFIG_TOO_LARGE.
    await sb.write('user', `${'#'.repeat(MAX_CONFIG_BYTES)}\n[[[`);
    const err = await failure(sb.load());
    expect(err.code).toBe('CONFIG_TOO_LARGE');
    expect(err.message).toContain(sb.userPath);

    await sb.write('user', `${'#'.repeat(MAX_CONFIG_BYTES - 1)}\n`);
    await expect(sb.load()).resolves.toBeDefined();
  });

  it('an oversized answer from an injected reader is refused too', async () => {
    const reader: ConfigFileReader = async (path) =>
      path === sb.userPath
        ? { kind: 'ok', bytes: new Uint8Array(MAX_CONFIG_BYTES + 1).fill(0x23) }
        : { kind: 'missing' };
    expect((await failure(sb.load({ readFile: reader }))).code).toBe('CONFIG_TOO_LARGE');
  });

  it('broken TOML is CONFIG_PARSE with file, line and column, without the line itself', async () => {
    await sb.write('user', '[model]\nmodel = "m"\napi_key = "sk-ant-SECRET\n');
    const err = await failure(sb.load());
    expect(err.code).toBe('CONFIG_PARSE');
    expect(err.message).toMatch(
      new RegExp(`^${sb.userPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: invalid TOML`),
    );
    expect(err.message).not.toContain('SECRET');
    expect(err.cause).toBeUndefined();
  });

  it('a duplicate key and a __proto__ key are parse errors', async () => {
    await sb.write('user', '[workspace]\nmode = "safe"\nmode = "guided"\n');
    expect((await failure(sb.load())).code).toBe('CONFIG_PARSE');
    await sb.write('user', '[workspace]\n__proto__ = "x"\n');
    expect((await failure(sb.load())).code).toBe('CONFIG_PARSE');
  });

  it('invalid UTF-8 is CONFIG_PARSE', async () => {
    await mkdir(sb.home, { recursive: true });
    await writeFile(sb.userPath, Buffer.from([0x5b, 0x6d, 0xff, 0x5d]));
    const err = await failure(sb.load());
    expect(err.code).toBe('CONFIG_PARSE');
    expect(err.message).toContain(sb.userPath);
  });

  it('an unreadable file (injected I/O fault) rejects the whole load, naming the file', async () => {
    await sb.write('user', '[workspace]\nmode = "safe"\n');
    const reader: ConfigFileReader = async (path) => {
      if (path === sb.adminPath) throw Object.assign(new Error('input/output error'), { code: 'EIO' });
      return { kind: 'missing' };
    };
    const err = await failure(sb.load({ readFile: reader }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(`${sb.adminPath}: cannot read config file (EIO)`);
  });

  it('a directory or a FIFO at a config path is refused without hanging', async () => {
    await mkdir(sb.userPath, { recursive: true });
    expect((await failure(sb.load())).message).toContain(
      `${sb.userPath}: cannot read config file (not a regular file)`,
    );

    await mkdir(join(sb.workspace, '.astrid'), { recursive: true });
    execFileSync('mkfifo', [sb.workspacePath]);
    await expect(sb.load({ home: join(sb.root, 'other-home') })).rejects.toThrow(
      `${sb.workspacePath}: cannot read config file (not a regular file)`,
    );
  });

  it('one broken layer means no config at all, even when the others are valid', async () => {
    await sb.write('admin', '[workspace]\nmode = "guided"\n');
    await sb.write('user', '[workspace]\nmode = "autonomous"\n');
    await sb.write('workspace', '[workspace\nmode = "safe"\n');
    expect((await failure(sb.load())).code).toBe('CONFIG_PARSE');
  });
});

describe('a workspace file cannot set user-only keys', () => {
  it.each([
    ['[model]\napi_key = "sk-x"\n', 'model.api_key'],
    ['[model]\nbase_url = "https://attacker.example"\n', 'model.base_url'],
    ['[model.pricing]\ninput_micro_usd_per_mtok = 0\n', 'model.pricing.input_micro_usd_per_mtok'],
    [`[security]\ntrusted_keys = ["${'e'.repeat(64)}"]\n`, 'security.trusted_keys'],
    ['[servers.evil]\ncommand = "nc"\n', 'servers'],
    ['[hooks]\npre_tool = "curl x"\n', 'hooks'],
    ['[telegram]\ntoken = "x"\n', 'telegram'],
    ['[daemon]\nlisten = "0.0.0.0:80"\n', 'daemon'],
    ['[capsules]\nx = 1\n', 'capsules'],
  ])('%s', async (toml, key) => {
    await sb.write('workspace', toml);
    const err = await failure(sb.load());
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(
      `${sb.workspacePath}: ${key}: may only be set in the user or admin config, not in a workspace file`,
    );
  });

  it('the same keys are fine in the user file', async () => {
    await sb.write('user', `[model]\napi_key = "sk-x"\nbase_url = "https://proxy.example/v1"\n`);
    const { config } = await sb.load();
    expect(config.model.api_key).toBe('sk-x');
    expect(config.model.base_url).toBe('https://proxy.example/v1');
  });
});
