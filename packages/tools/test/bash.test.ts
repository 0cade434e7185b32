import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildChildEnv } from '../src/bash/env.js';
import { invokeTool } from '../src/invoke.js';
import { type BashToolOptions, createBashTool } from '../src/tools/bash.js';
import { makeHarness, type ToolHarness } from './helpers/harness.js';
import { eventually, sleepers, uniqueSleep } from './helpers/processes.js';

let h: ToolHarness;
beforeEach(async () => {
  // Under /var/tmp, not /tmp: the sandbox's /tmp is private, and `outside` must be visible.
  h = await makeHarness({}, { parent: '/var/tmp' });
});
afterEach(async () => {
  await h.close();
});

const bash = (over: Partial<BashToolOptions> = {}) =>
  createBashTool({ processes: h.processes, inheritEnv: { ...process.env, HOME: h.home }, ...over });

describe('bash', () => {
  it('runs a command and reports a non-zero exit code as an error with the code in meta', async () => {
    const tool = bash();
    const ok = await invokeTool(tool, { command: 'echo hello' }, h.ctx());
    expect(ok).toMatchObject({ content: 'hello', isError: false, meta: { exitCode: 0 } });
    const fail = await invokeTool(tool, { command: 'echo oops >&2; exit 3' }, h.ctx());
    expect(fail).toMatchObject({ content: 'oops\n[exit code 3]', isError: true, meta: { exitCode: 3 } });
  });

  it('runs an allowed command (ls) without asking', async () => {
    await writeFile(join(h.ws, 'visible.txt'), '');
    h.answer = () => ({ decision: 'deny' });
    const out = await invokeTool(bash(), { command: 'ls' }, h.ctx());
    expect(out.content).toBe('visible.txt');
    expect(h.requests).toHaveLength(0);
  });

  it('plans the whole line first when the analysis is unresolved, at critical risk; globs reach the policy', async () => {
    await writeFile(join(h.ws, 'a.txt'), 'A');
    const tool = bash();
    const out = await invokeTool(tool, { command: 'cat *.txt' }, h.ctx());
    expect(out.content).toBe('A');
    expect(h.requests[0]?.action).toEqual({
      kind: 'execute_command',
      argv: ['bash', '--noprofile', '--norc', '-c', 'cat *.txt'],
      cwd: h.ws,
    });
    expect(h.requests[0]?.risk).toBe('critical');
    const shadow = await invokeTool(tool, { command: 'cat /e?c/shadow' }, h.ctx());
    expect(shadow.content).toMatch(/^POLICY_DENIED: /);
  });

  it('maps redirections and file commands to their file actions', async () => {
    const out = await invokeTool(bash(), { command: 'echo hi > out.txt' }, h.ctx());
    expect(out.isError).toBe(false);
    expect(h.requests.map((r) => r.action)).toEqual([
      { kind: 'execute_command', argv: ['echo', 'hi'], cwd: h.ws },
      { kind: 'file_write', path: join(h.ws, 'out.txt') },
    ]);
    expect(await readFile(join(h.ws, 'out.txt'), 'utf8')).toBe('hi\n');
  });

  it('re-runs the policy at execution time and runs nothing when it now denies', async () => {
    const ctx = h.ctx({
      recheckPolicy: async () => {
        throw new AstridError('POLICY_DENIED', 'blocked since the approval');
      },
    });
    const out = await invokeTool(bash(), { command: 'touch made.marker' }, ctx);
    expect(out).toMatchObject({ isError: true, content: 'POLICY_DENIED: blocked since the approval' });
    expect(existsSync(join(h.ws, 'made.marker'))).toBe(false);
    expect(h.processes.size).toBe(0);
  });

  it('caps output at 30,000 characters with a notice, keeping the start and the end', async () => {
    const out = await invokeTool(bash(), { command: 'seq 1 20000' }, h.ctx());
    expect(out.content.length).toBeLessThan(30_200);
    expect(out.content).toContain('[... output truncated:');
    expect(out.content.startsWith('1\n2\n3\n')).toBe(true);
    expect(out.content.endsWith('19999\n20000')).toBe(true);
    expect(out.meta).toMatchObject({ truncated: true });
  });

  it('keeps the working directory across calls, tracked for the policy, and resets it when it leaves', async () => {
    const tool = bash();
    await mkdir(join(h.ws, 'sub', 'deeper'), { recursive: true });
    await invokeTool(tool, { command: 'cd sub/deeper' }, h.ctx());
    expect(tool.cwd).toBe(join(h.ws, 'sub', 'deeper'));
    const pwd = await invokeTool(tool, { command: 'pwd' }, h.ctx());
    expect(pwd.content).toBe(join(h.ws, 'sub', 'deeper'));
    await invokeTool(tool, { command: 'echo x > here.txt' }, h.ctx());
    expect(h.requests.at(-1)?.action).toEqual({
      kind: 'file_write',
      path: join(h.ws, 'sub', 'deeper', 'here.txt'),
    });
    const away = await invokeTool(tool, { command: `cd ${h.outside}` }, h.ctx());
    expect(away.content).toContain('outside the workspace; the next command starts at the workspace root');
    expect((await invokeTool(tool, { command: 'pwd' }, h.ctx())).content).toBe(h.ws);
  });

  it('passes only allowlisted variables: secrets, ASTRID_* and BASH_ENV never reach the command', async () => {
    const marker = join(h.base, 'bash_env.marker');
    await writeFile(join(h.base, 'rc.sh'), `touch ${marker}\n`);
    const secrets: Record<string, string> = {
      SSH_AUTH_SOCK: '/tmp/agent.sock',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
      GITHUB_TOKEN: 'ghp_secret',
      ANTHROPIC_API_KEY: 'sk-ant-secret',
      OPENAI_API_KEY: 'sk-openai-secret',
      ASTRID_HOME: '/secret/astrid',
      BASH_ENV: join(h.base, 'rc.sh'),
      ENV: join(h.base, 'rc.sh'),
      CDPATH: '/etc',
    };
    const saved = { ...process.env };
    Object.assign(process.env, secrets, { LC_ALL: 'C' });
    try {
      const tool = createBashTool({ processes: h.processes, env: { EXTRA_SETTING: 'on' } });
      const out = await invokeTool(tool, { command: 'env' }, h.ctx());
      const names = out.content.split('\n').map((l) => l.split('=')[0]);
      for (const name of Object.keys(secrets)) expect(names).not.toContain(name);
      for (const value of Object.values(secrets)) expect(out.content).not.toContain(value);
      expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'LC_ALL', 'EXTRA_SETTING']));
      expect(existsSync(marker)).toBe(false);
    } finally {
      process.env = saved;
    }
  });

  it('refuses shell-steering variables in [tools.bash] env', () => {
    expect(() => buildChildEnv({}, { BASH_ENV: '/x' })).toThrow(RangeError);
    expect(() => buildChildEnv({}, { BASH_FUNC_ls: '() { id; }' })).toThrow(RangeError);
    expect(() => buildChildEnv({}, { 'bad name': 'x' })).toThrow(RangeError);
  });

  // In the sandbox `$!` is a pid of bwrap's PID namespace, so the sleepers are found by a
  // unique argument in the host's /proc instead. Both modes: `none` is the auto fallback.
  for (const mode of ['bwrap', 'none'] as const) {
    it(`${mode}: kills the whole process group on timeout: a background child is gone too`, async () => {
      const [a, b] = [uniqueSleep(), uniqueSleep()];
      const out = await invokeTool(
        bash({ sandbox: { mode } }),
        { command: `sleep ${a} & echo started; sleep ${b}`, timeout_ms: 500 },
        h.ctx(),
      );
      expect(out.isError).toBe(true);
      expect(out.content).toContain('started');
      expect(out.content).toContain('[timed out after 500 ms; the process group was killed]');
      expect(await eventually(() => sleepers(a).length + sleepers(b).length === 0)).toBe(true);
      expect(h.processes.size).toBe(0);
    });

    it(`${mode}: background jobs do not outlive their command`, async () => {
      const marker = uniqueSleep();
      const out = await invokeTool(
        bash({ sandbox: { mode } }),
        { command: `sleep ${marker} & echo started` },
        h.ctx(),
      );
      expect(out.content).toBe('started');
      expect(out.meta).toMatchObject({ sandboxed: mode === 'bwrap' });
      expect(await eventually(() => sleepers(marker).length === 0)).toBe(true);
    });

    it(`${mode}: cancellation kills the group and is audited as cancelled`, async () => {
      const controller = new AbortController();
      const marker = uniqueSleep();
      const running = invokeTool(
        bash({ sandbox: { mode } }),
        { command: `sleep ${marker} & wait` },
        h.ctx({ signal: controller.signal }),
      );
      // The sleeper really runs (visible from the host) before the call is cancelled.
      expect(await eventually(() => sleepers(marker).length === 1, 10_000)).toBe(true);
      controller.abort();
      const out = await running;
      expect(out).toMatchObject({
        isError: true,
        content: 'the command was cancelled',
        meta: { cancelled: true },
      });
      expect(await eventually(() => sleepers(marker).length === 0)).toBe(true);
      const results = (await h.entries()).filter((e) => e.kind === 'result');
      expect(results.at(-1)?.outcome?.status).toBe('cancelled');
    });
  }

  it('killAll (the kill switch) ends every running command', async () => {
    const running = invokeTool(bash(), { command: 'sleep 1000', timeout_ms: 60_000 }, h.ctx());
    expect(await eventually(() => h.processes.size === 1, 10_000)).toBe(true);
    expect(h.processes.killAll()).toBe(1);
    const out = await running;
    expect(out.content).toContain('[killed by SIGKILL]');
    expect(h.processes.size).toBe(0);
  });
});
