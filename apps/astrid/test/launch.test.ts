import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { readDaemonInfo, resolveDataDir } from '@astrid/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureUserConfig } from '../src/commands/chat.js';
import { makeContext } from '../src/context.js';
import { chatLaunchTarget, dataDir } from '../src/early.js';
import { run } from '../src/index.js';
import { launchEphemeral } from '../src/launch.js';
import { CLI_MAIN, cli, type Dirs, makeDirs, removeDirs, TSX_LOADER, until } from './helpers.js';

// The CLI's own daemon: starting an ephemeral astridd when none runs, `astrid daemon run` in
// the foreground, and the first-run config. Real astridd processes on temp dirs.
let dirs: Dirs;
beforeEach(async () => {
  dirs = await makeDirs();
});
afterEach(async () => {
  // A daemon a test left running is stopped through its pid before the dirs go.
  const info = await readDaemonInfo(dirs.home).catch(() => undefined);
  if (info !== undefined) {
    try {
      process.kill(info.pid, 'SIGKILL');
    } catch {}
  }
  await removeDirs(dirs);
});

const env = (d: Dirs) => ({ ASTRID_HOME: d.home, HOME: d.userHome, PATH: process.env.PATH });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('no daemon running', () => {
  it('a management command does not start one: exit 1 naming how to start it', async () => {
    const r = await cli(dirs, 'sessions', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no daemon is running');
    expect(r.stderr).toContain('astrid daemon run');
    expect(await readDaemonInfo(dirs.home)).toBeUndefined();
  });
});

describe('ephemeral daemon', () => {
  it('is started for the workspace and serves it; a second connect reuses it', async () => {
    const ctx = makeContext({ stdout: () => {}, stderr: () => {}, env: env(dirs), cwd: dirs.ws }, () => ({}));
    const { client, launched } = await ctx.connect({ launch: { workspace: dirs.ws } });
    expect(launched).toBe(true);
    const status = await client.call('daemon.status');
    expect(status.workspace).toBe(dirs.ws);
    const pid = status.pid;
    expect(alive(pid)).toBe(true);
    // A second connect finds the same daemon instead of starting another.
    const second = await ctx.connect({ launch: { workspace: dirs.ws } });
    expect((await second.client.call('daemon.status')).pid).toBe(pid);
    await second.client.close();
    await client.close();
    // Default grace period is 30 s; this test uses its own short one below.
    expect(alive(pid)).toBe(true);
  });

  it('stops by itself after the last client left and the grace period passed', async () => {
    await launchEphemeral({ home: dirs.home, workspace: dirs.ws, env: env(dirs), gracePeriodSeconds: 1 });
    const info = await readDaemonInfo(dirs.home);
    expect(info).toBeDefined();
    await until(() => !alive(info?.pid ?? 0), 15_000);
    expect(await readDaemonInfo(dirs.home)).toBeUndefined();
  });

  it("a daemon.json left by a dead daemon does not count as ready: the launch waits for its own daemon's", async () => {
    // A pid that is not running: the stale file names it, with a socket nobody listens on.
    await writeFile(
      join(dirs.home, 'daemon.json'),
      JSON.stringify({ socket: join(dirs.home, 'run', 'gone.sock'), token: 'a'.repeat(64), pid: 999_999 }),
      { mode: 0o600 },
    );
    const ctx = makeContext({ stdout: () => {}, stderr: () => {}, env: env(dirs), cwd: dirs.ws }, () => ({}));
    const { client, launched } = await ctx.connect({ launch: { workspace: dirs.ws } });
    expect(launched).toBe(true);
    const status = await client.call('daemon.status');
    expect(status.pid).not.toBe(999_999);
    expect((await readDaemonInfo(dirs.home))?.pid).toBe(status.pid);
    await client.close();
  });

  it('a daemon that cannot start reports its own error, and the CLI exits 1', async () => {
    await writeFile(join(dirs.home, 'config.toml'), '[approval\nbroken = ');
    const err = await launchEphemeral({ home: dirs.home, workspace: dirs.ws, env: env(dirs) }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/astridd could not start \(exit 1\): .*config\.toml/);
    expect(await readDaemonInfo(dirs.home)).toBeUndefined();
  });
});

describe('astrid daemon run', () => {
  function streams() {
    let out = '';
    let errText = '';
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    stderr.on('data', (b: Buffer) => {
      errText += b.toString();
    });
    return {
      io: {
        stdin: new PassThrough() as unknown as NodeJS.ReadStream,
        stdout: stdout as unknown as NodeJS.WriteStream,
        stderr: stderr as unknown as NodeJS.WriteStream,
      },
      out: () => out,
      err: () => errText,
    };
  }

  it('runs astridd in the foreground until `astrid daemon stop`, then exits 0', async () => {
    const s = streams();
    const running = run(['daemon', 'run', '--workspace', dirs.ws], {
      stdout: () => {},
      stderr: () => {},
      env: env(dirs),
      cwd: dirs.ws,
      streams: s.io,
    });
    await until(() => s.out().includes('astridd ready'), 20_000);
    const status = await cli(dirs, 'daemon', 'status', '--json');
    expect(JSON.parse(status.stdout).workspace).toBe(dirs.ws);
    expect((await cli(dirs, 'daemon', 'stop')).code).toBe(0);
    expect(await running).toBe(0);
    expect(await readDaemonInfo(dirs.home)).toBeUndefined();
  });

  it("passes astridd's refusal through: a remote --listen without TLS exits 2 with its reason", async () => {
    const s = streams();
    const code = await run(['daemon', 'run', '--listen', '192.0.2.1:7000'], {
      stdout: () => {},
      stderr: () => {},
      env: env(dirs),
      cwd: dirs.ws,
      streams: s.io,
    });
    expect(code).toBe(2);
    expect(s.err()).toContain('is not a loopback address');
  });
});

describe('first run', () => {
  it('writes a commented config.toml once (0600) and never overwrites one', async () => {
    const home = join(dirs.root, 'fresh-home');
    const path = await ensureUserConfig(home);
    expect(path).toBe(join(home, 'config.toml'));
    const text = await readFile(join(home, 'config.toml'), 'utf8');
    expect(text).toMatch(/^# Astrid user config/);
    const { statSync } = await import('node:fs');
    expect(statSync(join(home, 'config.toml')).mode & 0o777).toBe(0o600);
    await writeFile(join(home, 'config.toml'), '# mine\n');
    expect(await ensureUserConfig(home)).toBeUndefined();
    expect(await readFile(join(home, 'config.toml'), 'utf8')).toBe('# mine\n');
    // Written through a temp file that never stays behind.
    expect(await readdir(home)).toEqual(['config.toml']);
  });
});

describe('the early launch of `astrid chat`', () => {
  it('reads only `chat` with its --home and --workspace, and stands aside when daemon.json exists', async () => {
    const e = { ASTRID_HOME: dirs.home };
    expect(chatLaunchTarget(['chat'], e, dirs.ws)).toEqual({ home: dirs.home, workspace: dirs.ws });
    expect(chatLaunchTarget(['--home', '/h', '--debug', 'chat', '--workspace=sub'], e, dirs.ws)).toEqual({
      home: '/h',
      workspace: join(dirs.ws, 'sub'),
    });
    expect(chatLaunchTarget(['--home=rel', 'chat', '--workspace', '/w'], e, dirs.ws)).toEqual({
      home: join(dirs.ws, 'rel'),
      workspace: '/w',
    });
    for (const argv of [['sessions', 'list'], ['chat', '--help'], ['--version'], ['--home', 'chat'], []])
      expect(chatLaunchTarget(argv, e, dirs.ws)).toBeUndefined();
    await writeFile(join(dirs.home, 'daemon.json'), '{}');
    expect(chatLaunchTarget(['chat'], e, dirs.ws)).toBeUndefined();
    await rm(join(dirs.home, 'daemon.json'));
  });

  it('finds the same data dir as the client would', () => {
    for (const env of [{ ASTRID_HOME: '/abs/home' }, { ASTRID_HOME: 'rel/home' }, { ASTRID_HOME: '' }, {}])
      expect(dataDir(undefined, env, process.cwd())).toBe(resolveDataDir(env));
  });

  it('the bin starts the daemon before loading the CLI, and the chat joins that launch', async () => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, '--conditions=source', CLI_MAIN, 'chat'], {
      cwd: dirs.ws,
      env: env(dirs),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.stdin?.write('hello\n');
    await until(() => out.includes('[demo] Hello'), 30_000).catch(() => {
      throw new Error(`no demo reply; stdout: ${out}\nstderr: ${err}`);
    });
    expect(err).toContain('started an ephemeral daemon');
    const info = await readDaemonInfo(dirs.home);
    expect(info).toBeDefined();
    // One daemon: the launch made before the CLI loaded is the one the chat connected to.
    expect(Number((await readFile(join(dirs.home, 'run', 'astridd.lock'), 'utf8')).trim())).toBe(info?.pid);
    expect(err).not.toContain('could not start');
    expect(err.split('started an ephemeral daemon').length).toBe(2);
    // Ctrl-C twice ends it: the first cancels the running turn, the second exits. Each is
    // sent once its predecessor has taken effect (two sent at once can merge into one, and one
    // sent while the process is already exiting would end it by the signal, as for any program).
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      child.once('exit', (code, signal) => r([code, signal])),
    );
    child.kill('SIGINT');
    await until(() => out.includes('turn ended: cancelled'), 15_000).catch(() => {
      throw new Error(`the first Ctrl-C did not cancel the turn; stdout: ${out}\nstderr: ${err}`);
    });
    child.kill('SIGINT');
    expect(await exit).toEqual([0, null]);
  }, 45_000);
});

describe('astrid chat on a running daemon', () => {
  it('works in the directory asked for, not the one the daemon was started in', async () => {
    const other = join(dirs.root, 'other-project');
    await mkdir(other);
    await launchEphemeral({ home: dirs.home, workspace: dirs.ws, env: env(dirs) });
    const stdin = new PassThrough();
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => {
      text += b.toString();
    });
    stdin.end('hello\n');
    const chat = run(['chat', '--workspace', other], {
      stdout: () => {},
      stderr: () => {},
      env: env(dirs),
      cwd: dirs.ws,
      streams: {
        stdin: stdin as unknown as NodeJS.ReadStream,
        stdout: out as unknown as NodeJS.WriteStream,
        stderr: new PassThrough() as unknown as NodeJS.WriteStream,
      },
    });
    const ctx = makeContext({ stdout: () => {}, stderr: () => {}, env: env(dirs), cwd: dirs.ws }, () => ({}));
    const { client } = await ctx.connect();
    let sessionId: string | undefined;
    await until(async () => {
      const { sessions } = await client.call('session.list', {});
      sessionId = sessions.find((s) => s.workspace === other)?.id;
      return sessionId !== undefined && text.includes('[demo]');
    }, 20_000);
    expect((await client.call('daemon.status')).workspace).toBe(dirs.ws);
    // The demo's first step lists the session's workspace: the other project, which is empty.
    await until(() => text.includes('list_directory'), 20_000);
    expect(text).toMatch(/list_directory \.: done — \. is empty/);
    const shown = await cli(dirs, 'sessions', 'show', sessionId as string);
    expect(shown.stdout).toContain(`workspace ${other}`);
    const status = await cli(dirs, 'daemon', 'status');
    expect(status.stdout).toContain(`workspace: ${dirs.ws} (default)`);
    expect(status.stdout).toContain(`also:    ${other}`);
    // The demo then waits for an approval; cancelling the turn ends the piped chat.
    await client.call('session.cancel', { sessionId: sessionId as string });
    expect(await chat).toBe(0);
    await client.close();
  });
});

describe('two chats started at once with no daemon', () => {
  it('share one daemon: the launch that lost the lock joins the one that won', async () => {
    const start = () => {
      const child = spawn(
        process.execPath,
        ['--import', TSX_LOADER, '--conditions=source', CLI_MAIN, 'chat'],
        {
          cwd: dirs.ws,
          env: env(dirs),
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      const io = { child, out: '', err: '' };
      child.stdout?.on('data', (b: Buffer) => {
        io.out += b.toString();
      });
      child.stderr?.on('data', (b: Buffer) => {
        io.err += b.toString();
      });
      child.stdin?.write('hello\n');
      return io;
    };
    const a = start();
    const b = start();
    await until(() => a.out.includes('[demo] Hello') && b.out.includes('[demo] Hello'), 40_000).catch(() => {
      throw new Error(`a: ${a.out}${a.err}\nb: ${b.out}${b.err}`);
    });
    expect(`${a.err}${b.err}`).not.toContain('could not start');
    const info = await readDaemonInfo(dirs.home);
    const ctx = makeContext({ stdout: () => {}, stderr: () => {}, env: env(dirs), cwd: dirs.ws }, () => ({}));
    const { client } = await ctx.connect();
    expect((await client.call('daemon.status')).pid).toBe(info?.pid);
    expect((await client.call('session.list', {})).sessions).toHaveLength(2);
    await client.close();
    for (const io of [a, b]) {
      const exit = new Promise<number | null>((r) => io.child.once('exit', (code) => r(code)));
      let code: number | null | undefined;
      void exit.then((c) => {
        code = c;
      });
      await until(() => {
        if (code === undefined) io.child.kill('SIGINT');
        return code !== undefined;
      }, 15_000);
    }
  }, 60_000);
});
