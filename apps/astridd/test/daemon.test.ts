import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connect,
  type Daemon,
  type Dirs,
  kill,
  makeDirs,
  readJson,
  removeDirs,
  spawnDaemon,
  startDaemon,
} from './helpers.js';

let dirs: Dirs;
const daemons: Daemon[] = [];
beforeEach(async () => {
  dirs = await makeDirs();
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await kill(d);
  await removeDirs(dirs);
});

async function start(args: readonly string[] = [], env: Record<string, string> = {}): Promise<Daemon> {
  const d = await startDaemon(dirs, args, env);
  daemons.push(d);
  return d;
}

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid as number;
}

describe('astridd', () => {
  it('creates the key on first start and writes a 0600 daemon.json with a fresh 256-bit token', async () => {
    const d = await start();
    const info = await readJson(join(dirs.home, 'daemon.json'));
    expect(((await stat(join(dirs.home, 'daemon.json'))).mode & 0o777).toString(8)).toBe('600');
    expect(info).toEqual({
      socket: join(dirs.home, 'run', 'astridd.sock'),
      token: expect.stringMatching(/^[0-9a-f]{64}$/),
      pid: d.child.pid,
    });
    expect(((await stat(join(dirs.home, 'run'))).mode & 0o777).toString(8)).toBe('700');
    const history = await readJson(join(dirs.home, 'keys', 'history.json'));
    const client = await connect(dirs);
    expect((history.keys as { publicKey: string }[])[0]?.publicKey).toBe(client.hello.publicKey);
    await client.close();
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    const second = await start();
    const again = await readJson(join(dirs.home, 'daemon.json'));
    expect(again.token).not.toBe(info.token);
    expect(again.pid).toBe(second.child.pid);
  });

  it('a second daemon on the same home exits non-zero naming the running pid', async () => {
    const first = await start();
    const second = spawnDaemon(dirs);
    expect(await second.exited).toBe(1);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    // The first one is unaffected.
    const client = await connect(dirs);
    expect((await client.call('daemon.status')).pid).toBe(first.child.pid);
    await client.close();
  });

  it('takes over a stale lock and daemon.json left by a dead daemon', async () => {
    const dead = await deadPid();
    await writeFile(
      join(dirs.home, 'daemon.json'),
      JSON.stringify({ socket: 'x', token: '0'.repeat(64), pid: dead }),
      { mode: 0o600 },
    );
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dirs.home, 'run'), { recursive: true, mode: 0o700 });
    await writeFile(join(dirs.home, 'run', 'astridd.lock'), `${dead}\n`);
    const d = await start();
    expect((await readFile(join(dirs.home, 'run', 'astridd.lock'), 'utf8')).trim()).toBe(String(d.child.pid));
    const client = await connect(dirs);
    expect((await client.call('daemon.status')).pid).toBe(d.child.pid);
    await client.close();
  });

  it('SIGTERM: clients told, a final signed checkpoint, DB closed, daemon.json and socket removed', async () => {
    const d = await start();
    const client = await connect(dirs);
    await client.call('session.create', { label: 'one' });
    await client.call('session.create', { label: 'two' });
    const before = await client.call('audit.stats');
    expect(before.head?.seq).toBeGreaterThan(before.checkpoint?.seq ?? -1);
    const events: string[] = [];
    client.on('daemon.event', (e) => events.push(e.type));
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(events).toEqual(['shutdown']);
    const left = await readdir(dirs.home);
    expect(left).not.toContain('daemon.json');
    expect(await readdir(join(dirs.home, 'run'))).toEqual([]);
    // Restarted: the last checkpoint covers the last entry written before the stop.
    await start();
    const after = await connect(dirs);
    const stats = await after.call('audit.stats');
    expect(stats.checkpoint?.seq).toBe(before.head?.seq);
    expect((await after.call('audit.verify', {})).ok).toBe(true);
    await after.close();
  });

  it('--ephemeral exits after the last client leaves and the grace period passes', async () => {
    const d = await start(['--ephemeral', '--grace-period', '0.3']);
    const client = await connect(dirs);
    await new Promise((r) => setTimeout(r, 600));
    expect(d.child.exitCode).toBeNull(); // a client is attached: it stays
    await client.close();
    expect(await d.exited).toBe(0);
    expect(await readdir(dirs.home)).not.toContain('daemon.json');
  });

  it('refuses to listen off loopback without --allow-remote and TLS; a loopback --listen writes the url', async () => {
    for (const args of [
      ['--listen', '0.0.0.0:0'],
      ['--listen', '0.0.0.0:0', '--allow-remote'],
    ]) {
      const d = spawnDaemon(dirs, args);
      expect(await d.exited).toBe(2);
      expect(d.stderr).toMatch(/loopback|tls/i);
    }
    await start(['--listen', '127.0.0.1:0']);
    const info = await readJson(join(dirs.home, 'daemon.json'));
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
  });

  it('logs under logs/ and never writes the token or a provider key there', async () => {
    const key = 'sk-ant-api03-THIS-IS-A-SECRET-TEST-KEY-000000';
    const d = await start(['--log-level', 'debug'], { ANTHROPIC_API_KEY: key });
    const token = (await readJson(join(dirs.home, 'daemon.json'))).token as string;
    const client = await connect(dirs);
    await client.call('session.create', {});
    await client.call('config.get');
    await client.call('approval.respond', { id: 'apr_nope', decision: 'deny' }).catch(() => undefined);
    await client.close();
    d.child.kill('SIGTERM');
    await d.exited;
    const files = await readdir(join(dirs.home, 'logs'));
    expect(files).toContain('astridd.log');
    const text = (await Promise.all(files.map((f) => readFile(join(dirs.home, 'logs', f), 'utf8')))).join(
      '\n',
    );
    expect(text).toContain('astridd ready');
    expect(text).not.toContain(token);
    expect(text).not.toContain(key);
    expect(((await stat(join(dirs.home, 'logs', 'astridd.log'))).mode & 0o777).toString(8)).toBe('600');
  });
});
