import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderWorkspaceConfig } from '../src/index.js';
import { CLI_MAIN, cli, type Dirs, makeDirs, removeDirs, TSX_LOADER } from './helpers.js';

// Everything that needs no daemon: usage errors, the missing-daemon error, `init`.
let dirs: Dirs;
beforeEach(async () => {
  dirs = await makeDirs();
});
afterEach(async () => {
  await removeDirs(dirs);
});

describe('without a daemon', () => {
  it.each([
    ['sessions', 'list'],
    ['daemon', 'status'],
    ['approvals', 'approve', 'apr_x'],
    ['audit', 'verify'],
  ])('astrid %s %s exits 1 with one line naming the fix', async (...argv) => {
    const r = await cli(dirs, ...argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `astrid: no daemon is running for ${dirs.home}: start one with \`astrid daemon run\` (or \`astrid chat\`)\n`,
    );
  });

  it('--debug adds the underlying error', async () => {
    const r = await cli(dirs, '--debug', 'sessions', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').length).toBeGreaterThan(3);
    expect(r.stderr).toContain('code: DAEMON_UNAVAILABLE');
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [['bogus']],
    [['sessions']],
    [['sessions', 'show']],
    [['sessions', 'list', '--nope']],
    [['sessions', 'cleanup', '--older-than', 'soon']],
    [['approvals', 'approve', 'apr_x', '--session', '--always']],
    [['approvals', 'list', '--state', 'maybe']],
    [['audit', 'show', 'minus-one']],
    [['audit', 'verify', '--file', 'x.jsonl']],
    [['audit', 'verify', '--file', 'x.jsonl', '--public-key', 'zz']],
    [['audit', 'verify', '--public-key', 'ab']],
  ])('astrid %j', async (argv) => {
    const r = await cli(dirs, ...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toBe('');
  });

  it('--help and --version exit 0', async () => {
    const help = await cli(dirs, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('approvals');
    const version = await cli(dirs, '--version');
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });
});

describe('astrid init', () => {
  it('creates a commented .astrid/config.toml and refuses to overwrite it', async () => {
    const r = await cli(dirs, 'init');
    expect(r.code).toBe(0);
    const path = join(dirs.ws, '.astrid', 'config.toml');
    const text = await readFile(path, 'utf8');
    expect(text).toBe(renderWorkspaceConfig());
    // All comments: a workspace file may only tighten, so it sets nothing by default.
    for (const line of text.split('\n')) expect(line === '' || line.startsWith('#')).toBe(true);
    expect(text).toContain('# [security.policy]');

    const again = await cli(dirs, 'init', '--json');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists: edit it, or remove it/);
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('--workspace picks the directory; --json reports the path', async () => {
    const r = await cli(dirs, 'init', '--workspace', dirs.root, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ created: join(dirs.root, '.astrid', 'config.toml') });
  });
});

describe('astrid keys generate', () => {
  it('creates the runtime key without a daemon, then refuses a second time', async () => {
    const created = await cli(dirs, 'keys', 'generate', '--json');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { keyId: string; publicKey: string; created: boolean };
    expect(key).toMatchObject({ created: true, keyId: expect.stringMatching(/^ed25519:[0-9a-f]{32}$/) });
    const history = JSON.parse(await readFile(join(dirs.home, 'keys', 'history.json'), 'utf8')) as {
      keys: { publicKey: string }[];
    };
    expect(history.keys.map((k) => k.publicKey)).toEqual([key.publicKey]);

    const again = await cli(dirs, 'keys', 'generate');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `astrid: a runtime key exists (${key.keyId}): use \`astrid keys rotate\` to replace it\n`,
    );
    const after = JSON.parse(await readFile(join(dirs.home, 'keys', 'history.json'), 'utf8'));
    expect(after).toEqual(history);
  });
});

describe('the astrid bin', () => {
  async function bin(...argv: string[]): Promise<{ code: unknown; stderr: string }> {
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, '--conditions=source', CLI_MAIN, ...argv],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dirs.userHome, ASTRID_HOME: dirs.home },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const [code] = await once(child, 'exit');
    return { code, stderr };
  }

  it("exits with run()'s code: 2 for usage, 1 with the fix when no daemon runs", async () => {
    expect((await bin('sessions', 'list', '--bogus')).code).toBe(2);
    const none = await bin('sessions', 'list');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('start one with `astrid daemon run`');
  });
});
