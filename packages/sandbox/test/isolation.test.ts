import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxCommand } from '../src/command.js';
import { defaultMaskPaths } from '../src/masks.js';
import { probeSandbox } from '../src/probe.js';
import type { SandboxRequest } from '../src/types.js';
import {
  eventually,
  hostTempDir,
  processesWith,
  runSandboxed,
  startServer,
  testEnv,
  uniqueSleep,
} from './helpers.js';

// Real bubblewrap runs. A fake home and data dir with real secrets in them, outside /tmp so
// that only the masks (not the private /tmp) can hide them.
let base: string;
let ws: string;
let home: string;
let astrid: string;
let outside: string;
beforeEach(async () => {
  base = await hostTempDir('astrid-sbx-run-');
  ws = join(base, 'ws');
  home = join(base, 'home');
  astrid = join(base, 'astrid');
  outside = join(base, 'outside');
  await Promise.all([
    mkdir(ws),
    mkdir(join(home, '.ssh'), { recursive: true }),
    mkdir(join(astrid, 'keys'), { recursive: true }),
    mkdir(outside),
  ]);
  await writeFile(join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
  await writeFile(join(astrid, 'daemon.json'), '{"token":"daemon-secret"}');
  await writeFile(join(astrid, 'keys', 'runtime.key'), 'key-secret');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

// `sleep <marker>` processes only (bwrap's own command line names the marker too).
const sleepersWith = (marker: string) =>
  processesWith(marker).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0');
    } catch {
      return false;
    }
  }).length;

const masks = () => defaultMaskPaths({ home, astridHome: astrid });
const run = (script: string, over: Partial<SandboxRequest> = {}) =>
  runSandboxed({
    argv: ['bash', '--noprofile', '--norc', '-c', script],
    cwd: ws,
    env: testEnv(home),
    workspace: ws,
    network: false,
    maskPaths: masks(),
    mode: 'bwrap',
    ...over,
  });

describe('inside the sandbox', () => {
  it('bubblewrap works here (these tests fail, never skip, without it)', async () => {
    expect((await probeSandbox()).available).toBe(true);
  });

  it('sees nothing in ASTRID_HOME or ~/.ssh, while the unmasked control run does', async () => {
    const script = `cat ${astrid}/daemon.json; ls -A ${astrid}/keys ${home}/.ssh; echo end`;
    const control = await run(script, { maskPaths: [] });
    expect(control.stdout).toContain('daemon-secret');
    expect(control.stdout).toContain('id_ed25519');
    const masked = await run(script);
    expect(masked.stdout).not.toContain('secret');
    expect(masked.stdout).not.toContain('id_ed25519');
    expect(masked.stderr).toContain(`${astrid}/daemon.json: No such file or directory`);
  });

  it('hides a symlinked credential store under both names', async () => {
    await rm(join(home, '.ssh'), { recursive: true });
    await mkdir(join(base, 'vault'));
    await writeFile(join(base, 'vault', 'id_rsa'), 'PRIVATE KEY');
    await symlink(join(base, 'vault'), join(home, '.ssh'));
    const r = await run(`cat ${home}/.ssh/id_rsa ${base}/vault/id_rsa; ls -A ${base}/vault`);
    expect(r.stdout).toBe('');
  });

  it('hides a masked file behind /dev/null, which cannot be opened or written (bwrap mounts it nodev)', async () => {
    const token = join(outside, 'token.txt');
    await writeFile(token, 'file-secret');
    const r = await run(`cat ${token} || echo unreadable; echo x > ${token} || echo refused`, {
      maskPaths: [token],
    });
    expect(r.stdout).toBe('unreadable\nrefused\n');
    expect(r.stderr).toContain(`${token}: Permission denied`);
    expect(await readFile(token, 'utf8')).toBe('file-secret');
  });

  it('cannot unmount a mask even as root: every capability is dropped', async () => {
    const r = await run(
      `grep CapEff /proc/self/status; umount ${astrid} 2>/dev/null; umount -l ${astrid} 2>/dev/null; cat ${astrid}/daemon.json 2>/dev/null || echo hidden`,
    );
    expect(r.stdout).toBe('CapEff:\t0000000000000000\nhidden\n');
  });

  it('the root filesystem is read-only; the workspace is writable; /tmp is private', async () => {
    const marker = `astrid-tmp-${process.pid}-${Date.now()}`;
    const r = await run(
      `touch /usr/local/x || echo usr-refused; echo x > ${outside}/y || echo outside-refused; ` +
        `echo made > inside.txt; echo tmp > /tmp/${marker}; cat /tmp/${marker}`,
    );
    expect(r.stdout).toBe('usr-refused\noutside-refused\ntmp\n');
    expect(r.stderr).toContain('Read-only file system');
    expect(existsSync('/usr/local/x')).toBe(false);
    expect(existsSync(join(outside, 'y'))).toBe(false);
    expect(existsSync(join('/tmp', marker))).toBe(false);
    expect(await readFile(join(ws, 'inside.txt'), 'utf8')).toBe('made\n');
  });

  it('a mask inside the workspace stays hidden while the rest of the workspace is writable', async () => {
    await mkdir(join(ws, 'secrets'));
    await writeFile(join(ws, 'secrets', 'prod.env'), 'DB_PASSWORD=hunter2');
    const r = await run(
      'cat secrets/prod.env 2>/dev/null || echo hidden; echo ok > notes.txt && cat notes.txt',
      {
        maskPaths: [join(ws, 'secrets')],
      },
    );
    expect(r.stdout).toBe('hidden\nok\n');
  });

  it('.git/config and .git/hooks stay read-only and .git cannot be swapped, while git objects are writable', async () => {
    await mkdir(join(ws, '.git', 'hooks'), { recursive: true });
    await mkdir(join(ws, '.git', 'objects'));
    await writeFile(join(ws, '.git', 'config'), '[core]\n');
    const r = await run(
      'echo "[core] hooksPath = /x" >> .git/config || echo config-refused; ' +
        'echo evil > .git/hooks/pre-commit || echo hook-refused; ' +
        'mv .git .git-old 2>/dev/null || echo swap-refused; ' +
        'echo blob > .git/objects/ab && echo object-written',
      { readOnly: [join(ws, '.git', 'config'), join(ws, '.git', 'hooks')] },
    );
    expect(r.stdout).toBe('config-refused\nhook-refused\nswap-refused\nobject-written\n');
    expect(await readFile(join(ws, '.git', 'config'), 'utf8')).toBe('[core]\n');
    expect(existsSync(join(ws, '.git', 'hooks', 'pre-commit'))).toBe(false);
  });

  it('/proc/sys is read-only (uid 0 could otherwise write sysctls)', async () => {
    const r = await run('echo sandbox > /proc/sys/kernel/hostname || echo refused');
    expect(r.stdout).toBe('refused\n');
  });

  it('passes exactly the given environment', async () => {
    const r = await run('env | cut -d= -f1 | sort | tr "\\n" " "', {
      env: { PATH: '/usr/bin:/bin', ONLY_THIS: '1' },
    });
    // bash adds PWD, SHLVL and _ itself.
    expect(r.stdout.trim().split(' ').sort()).toEqual(['ONLY_THIS', 'PATH', 'PWD', 'SHLVL', '_']);
  });

  it('no network unless allowed: the host loopback server is unreachable, then reachable', async () => {
    const { server, port } = await startServer('hello from the host');
    try {
      const cut = await run(`curl -sS --max-time 5 http://127.0.0.1:${port}/`);
      expect(cut.code).not.toBe(0);
      expect(cut.stdout).toBe('');
      const open = await run(`curl -sS --max-time 5 http://127.0.0.1:${port}/`, { network: true });
      expect(open.stdout).toBe('hello from the host');
    } finally {
      server.close();
    }
  });

  it('dies with its parent: a killed daemon leaves no sandboxed process behind', async () => {
    const marker = uniqueSleep();
    const cmd = await sandboxCommand({
      argv: ['sleep', marker],
      cwd: ws,
      env: testEnv(home),
      workspace: ws,
      network: false,
      maskPaths: masks(),
      mode: 'bwrap',
    });
    // A stand-in daemon: a Node process that starts the sandbox and is then SIGKILLed.
    const daemon = spawn(
      process.execPath,
      [
        '-e',
        'const c = JSON.parse(process.env.CMD); require("node:child_process").spawn(c.file, c.args, { env: c.env, cwd: c.cwd, stdio: "ignore" }); setInterval(() => {}, 1000);',
      ],
      { env: { CMD: JSON.stringify(cmd) }, stdio: 'ignore' },
    );
    try {
      expect(await eventually(() => sleepersWith(marker) === 1, 10_000)).toBe(true);
    } finally {
      daemon.kill('SIGKILL');
    }
    expect(await eventually(() => sleepersWith(marker) === 0)).toBe(true);
  });

  it('has its own PID namespace: host processes are invisible and nothing outlives the command', async () => {
    const hostMarker = uniqueSleep();
    const host = spawn('sleep', [hostMarker], { stdio: 'ignore' });
    const bg = uniqueSleep();
    const detached = uniqueSleep();
    try {
      expect(await eventually(() => processesWith(hostMarker).length === 1)).toBe(true);
      const r = await run(
        'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done; ' +
          // The escape is done (a new session) before the command returns: no race.
          `sleep ${bg} & setsid sh -c 'touch ready; exec sleep ${detached}' >/dev/null 2>&1 & ` +
          'until [ -e ready ]; do sleep 0.02; done; echo started',
      );
      const seen = r.stdout.split('\n');
      expect(seen).toContain('started');
      expect(r.stdout).not.toContain(hostMarker);
      // bwrap's init, bash, the loop's subshells: a handful, not the host's hundreds.
      expect(seen.length).toBeLessThan(12);
      expect(await eventually(() => processesWith(bg).length + processesWith(detached).length === 0)).toBe(
        true,
      );
    } finally {
      host.kill('SIGKILL');
    }
  });
});
