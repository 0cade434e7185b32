import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxCommand } from '../src/command.js';
import type { SandboxRequest } from '../src/types.js';
import { hostTempDir } from './helpers.js';

let base: string;
let ws: string;
beforeEach(async () => {
  base = await hostTempDir('astrid-sbx-cmd-');
  ws = join(base, 'ws');
  await mkdir(ws);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const request = (over: Partial<SandboxRequest> = {}): SandboxRequest => ({
  argv: ['bash', '-c', 'true'],
  cwd: ws,
  env: { PATH: '/usr/bin:/bin' },
  workspace: ws,
  network: false,
  maskPaths: [],
  mode: 'bwrap',
  ...over,
});

/** The index of the first `flag a b…` sequence in `args`. */
function at(args: readonly string[], ...seq: string[]): number {
  for (let i = 0; i + seq.length <= args.length; i++) {
    if (seq.every((s, j) => args[i + j] === s)) return i;
  }
  return -1;
}

describe('sandboxCommand', () => {
  it('mode none: the argv as given, unsandboxed', async () => {
    const cmd = await sandboxCommand(request({ mode: 'none', env: { PATH: '/bin', X: '1' } }));
    expect(cmd).toEqual({
      file: 'bash',
      args: ['-c', 'true'],
      env: { PATH: '/bin', X: '1' },
      cwd: ws,
      sandboxed: false,
      masked: [],
    });
  });

  it('mode bwrap: read-only root, writable workspace, private /tmp, fresh /proc and /dev, namespaces, no capabilities', async () => {
    const cmd = await sandboxCommand(request());
    expect(cmd.file).toBe('/usr/bin/bwrap');
    expect(cmd.sandboxed).toBe(true);
    const a = cmd.args;
    expect(a.slice(0, 7)).toEqual(['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc']);
    for (const seq of [
      ['--ro-bind-try', '/proc/sys', '/proc/sys'],
      ['--tmpfs', '/tmp'],
      ['--bind', ws, ws],
      ['--unshare-pid'],
      ['--unshare-ipc'],
      ['--unshare-uts'],
      ['--unshare-net'],
      ['--die-with-parent'],
      ['--new-session'],
      ['--cap-drop', 'ALL'],
      ['--clearenv'],
      ['--setenv', 'PATH', '/usr/bin:/bin'],
      ['--chdir', ws, '--', 'bash', '-c', 'true'],
    ]) {
      expect(at(a, ...seq), seq.join(' ')).toBeGreaterThanOrEqual(0);
    }
    // The private /tmp comes before the workspace bind (a workspace under /tmp stays visible).
    expect(at(a, '--tmpfs', '/tmp')).toBeLessThan(at(a, '--bind', ws, ws));
    // The environment is cleared before it is set, and the command is last.
    expect(at(a, '--clearenv')).toBeLessThan(at(a, '--setenv'));
    expect(a.slice(-4)).toEqual(['--', 'bash', '-c', 'true']);
  });

  it('keeps the host network only when asked', async () => {
    expect((await sandboxCommand(request({ network: true }))).args).not.toContain('--unshare-net');
  });

  it('masks directories with a read-only tmpfs and files with /dev/null, at their real path; missing ones are skipped', async () => {
    const keys = join(base, 'real-keys');
    const ssh = join(base, 'home', '.ssh');
    await mkdir(keys);
    await mkdir(join(base, 'home'));
    await symlink(keys, ssh); // ~/.ssh -> real-keys
    await writeFile(join(base, 'token'), 'secret');
    const cmd = await sandboxCommand(
      request({ maskPaths: [ssh, join(base, 'token'), join(base, 'missing'), '/tmp/not-here'] }),
    );
    expect(cmd.masked).toEqual([
      { path: keys, kind: 'dir' },
      { path: join(base, 'token'), kind: 'file' },
    ]);
    expect(at(cmd.args, '--tmpfs', keys)).toBeGreaterThan(0);
    expect(at(cmd.args, '--remount-ro', keys)).toBeGreaterThan(at(cmd.args, '--tmpfs', keys));
    expect(at(cmd.args, '--ro-bind', '/dev/null', join(base, 'token'))).toBeGreaterThan(0);
    expect(cmd.args).not.toContain(ssh);
  });

  it('applies a mask inside the workspace after the workspace bind, and one around it before', async () => {
    await mkdir(join(ws, 'secrets'));
    const cmd = await sandboxCommand(request({ maskPaths: [join(ws, 'secrets'), base] }));
    const bind = at(cmd.args, '--bind', ws, ws);
    expect(at(cmd.args, '--tmpfs', base)).toBeLessThan(bind);
    expect(at(cmd.args, '--tmpfs', join(ws, 'secrets'))).toBeGreaterThan(bind);
  });

  it('never hides a system directory or a tree the sandbox replaces', async () => {
    const cmd = await sandboxCommand(
      request({ maskPaths: ['/', '/usr', '/etc', '/proc/self', '/dev/null'] }),
    );
    expect(cmd.masked).toEqual([]);
  });

  it('protects read-only paths inside the workspace and pins their parents', async () => {
    await mkdir(join(ws, '.git', 'hooks'), { recursive: true });
    await writeFile(join(ws, '.git', 'config'), '[core]\n');
    await symlink('config', join(ws, '.git', 'config.worktree'));
    const cmd = await sandboxCommand(
      request({
        readOnly: [
          join(ws, '.git', 'config'),
          join(ws, '.git', 'hooks'),
          join(ws, '.git', 'config.worktree'),
          join(ws, '.astrid'),
          join(base, 'outside'),
        ],
      }),
    );
    const bind = at(cmd.args, '--bind', ws, ws);
    const pin = at(cmd.args, '--bind', join(ws, '.git'), join(ws, '.git'));
    expect(pin).toBeGreaterThan(bind);
    expect(at(cmd.args, '--ro-bind', join(ws, '.git', 'config'), join(ws, '.git', 'config'))).toBeGreaterThan(
      pin,
    );
    expect(at(cmd.args, '--ro-bind', join(ws, '.git', 'hooks'), join(ws, '.git', 'hooks'))).toBeGreaterThan(
      pin,
    );
    // A symlink cannot be protected by a mount; missing and outside paths need nothing.
    expect(cmd.args.some((a) => a.endsWith('config.worktree') || a.endsWith('.astrid'))).toBe(false);
  });

  it('points TMPDIR at the private /tmp when it is not writable inside', async () => {
    const cmd = await sandboxCommand(request({ env: { PATH: '/bin', TMPDIR: '/var/tmp' } }));
    expect(cmd.env.TMPDIR).toBe('/tmp');
    expect(at(cmd.args, '--setenv', 'TMPDIR', '/tmp')).toBeGreaterThan(0);
    const inside = await sandboxCommand(request({ env: { PATH: '/bin', TMPDIR: ws } }));
    expect(inside.env.TMPDIR).toBe(ws);
  });

  it('checks the request at the boundary', async () => {
    await expect(sandboxCommand(request({ cwd: 'relative' }))).rejects.toThrow(RangeError);
    await expect(sandboxCommand(request({ argv: [] }))).rejects.toThrow(RangeError);
    await expect(sandboxCommand(request({ argv: ['a\0b'] }))).rejects.toThrow(RangeError);
    await expect(sandboxCommand(request({ env: { 'A=B': 'x' } }))).rejects.toThrow(RangeError);
    await expect(sandboxCommand(request({ maskPaths: ['~/.ssh'] }))).rejects.toThrow(RangeError);
    await expect(sandboxCommand(request({ mode: 'off' as 'none' }))).rejects.toThrow(RangeError);
    await expect(sandboxCommand(request({ workspace: join(base, 'missing') }))).rejects.toThrow(
      /expected an existing directory/,
    );
    await expect(sandboxCommand(request({ workspace: '/' }))).rejects.toThrow(
      '/ cannot be writable in a sandbox',
    );
    await expect(sandboxCommand(request({ extraReadWrite: ['/usr'] }))).rejects.toThrow(
      '/usr cannot be writable in a sandbox',
    );
  });
});
