import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { approvalId, sessionId } from '@astrid/core';
import { type LlmTestServer, start } from '@astrid/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Dirs, HUMAN, makeDirs, rig, type TestRig, until } from './helpers.js';

// tsx's ESM loader, resolved from the workspace root's node_modules (as the audit crash test does).
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CHILD = fileURLToPath(new URL('./fixtures/runtime-process.ts', import.meta.url));

let child: ChildProcess | undefined;
let r: TestRig | undefined;
let dirs: Dirs | undefined;
let server: LlmTestServer | undefined;
afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  await r?.close();
  r = undefined;
  await server?.close();
  server = undefined;
  if (dirs !== undefined) await rm(dirs.root, { recursive: true, force: true });
  dirs = undefined;
});

/** Runs the child until its stdout matches `stop`, then SIGKILLs it; returns what it printed. */
async function runUntilThenKill(d: Dirs, url: string, stop: RegExp, mode = ''): Promise<string> {
  const proc = spawn(
    process.execPath,
    ['--import', TSX_LOADER, '--conditions=source', CHILD, d.root, url, mode],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child = proc;
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = once(proc, 'exit');
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    proc.stdout?.on('data', (b: Buffer) => {
      text += b.toString();
      if (stop.test(text) && /^session /m.test(text)) {
        proc.kill('SIGKILL');
        resolve(text);
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
  await exited;
  return out;
}

function line(out: string, key: string): string {
  const value = new RegExp(`^${key} (\\S+)$`, 'm').exec(out)?.[1];
  if (value === undefined) throw new Error(`no ${key} line in ${out}`);
  return value;
}

/**
 * A runtime process that read notes.txt, proposed a bash command, and was SIGKILLed while
 * the command waited for approval; sets `dirs` and `server`.
 */
async function crashWhileAsking(): Promise<{
  d: Dirs;
  srv: LlmTestServer;
  killed: { session: string; approval: string };
}> {
  const d = await makeDirs();
  dirs = d;
  await writeFile(join(d.ws, 'notes.txt'), 'all green\n');
  const srv = await start();
  server = srv;
  srv.enqueue(
    { text: 'Reading first.', toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
    {
      toolCalls: [{ name: 'bash', arguments: { command: 'echo ok > result.txt', description: 'record it' } }],
    },
  );
  const out = await runUntilThenKill(d, srv.url, /^approval /m);
  return { d, srv, killed: { session: line(out, 'session'), approval: line(out, 'approval') } };
}

describe('restart', () => {
  it('a runtime killed with SIGKILL mid-turn resumes: history intact, chain verifies, the pending proposal runs once approved', async () => {
    const { d, srv, killed } = await crashWhileAsking();

    const t = await rig({ reuse: { dirs: d, server: srv } });
    r = t;
    const listed = await t.runtime.listSessions();
    expect(listed).toEqual([
      expect.objectContaining({ id: killed.session, interrupted: true, label: 'before the crash' }),
    ]);
    expect((await t.runtime.audit.verify({ deep: true })).ok).toBe(true);

    const session = await t.runtime.resumeSession(sessionId(killed.session));
    expect(session.interrupted).toBe(true);
    expect(session.history.map((m) => m.role)).toEqual(['user', 'assistant', 'tool_results', 'assistant']);
    expect(session.history[0]).toEqual({ role: 'user', content: 'Run the checks and record the result.' });
    expect(JSON.stringify(session.history[2])).toContain('all green');
    expect(session.tainted).toBe(true);
    // The request survived in the broker, still pending.
    expect(t.runtime.approvals.pending(session.id).map((a) => a.id)).toEqual([killed.approval]);

    srv.enqueue({ text: 'Recorded.' });
    const turn = session.resumeTurn();
    // The human answers the request they saw before the crash (the command's first action)...
    await t.runtime.approvals.answer(approvalId(killed.approval), { decision: 'allow_once' }, HUMAN);
    // ...and then the one that was never asked before the crash (its redirection's write).
    t.answer = () => ({ decision: 'allow_once' });
    expect(await turn).toMatchObject({ status: 'done', text: 'Recorded.' });
    expect(await readFile(join(d.ws, 'result.txt'), 'utf8')).toBe('ok\n');
    // The command itself was not asked about twice: the re-run carried the human's answer.
    expect(t.asked.map((a) => a.action.kind)).toEqual(['file_write']);
    const resolved: unknown[] = [];
    for await (const e of t.runtime.audit.read({ kind: 'approval_resolved' })) resolved.push(e.details);
    expect(resolved).toEqual([
      expect.objectContaining({ approvalId: killed.approval, state: 'approved' }),
      expect.objectContaining({ state: 'approved', connection: `carried-over:${killed.approval}` }),
      expect.objectContaining({ approvalId: t.asked[0]?.id, state: 'approved' }),
    ]);
    expect(session.history.map((m) => m.role).slice(-3)).toEqual(['assistant', 'tool_results', 'assistant']);
    expect((await t.runtime.audit.verify({ deep: true })).ok).toBe(true);
  });

  it('a turn cancelled just before the crash (its request cancelled, its record not yet saved) resumes as cancelled', async () => {
    const { d, srv, killed } = await crashWhileAsking();

    const t = await rig({ reuse: { dirs: d, server: srv } });
    r = t;
    // What a cancel leaves when the process dies between cancelling the request (durable) and
    // saving the turn's end: a cancelled request and a turn still recorded as running.
    await t.runtime.approvals.cancel(approvalId(killed.approval), 'the proposal was cancelled');
    const session = await t.runtime.resumeSession(sessionId(killed.session));
    expect(session.interrupted).toBe(true);
    const requests = srv.requests.length;
    srv.enqueue({ text: 'a resumed turn would get this' });
    expect(await session.resumeTurn()).toMatchObject({ status: 'cancelled' });
    // Nothing ran and the model was not asked again; the call's result says why.
    expect(srv.requests.length).toBe(requests);
    await expect(readFile(join(d.ws, 'result.txt'), 'utf8')).rejects.toThrow(/ENOENT/);
    expect(session.history.at(-1)?.role).toBe('tool_results');
    expect(JSON.stringify(session.history.at(-1))).toContain('APPROVAL_CANCELLED');
    expect(session.interrupted).toBe(false);
    // The next turn is the user's own and answered normally.
    expect(await session.send('What happened?')).toMatchObject({
      status: 'done',
      text: 'a resumed turn would get this',
    });
    expect((await t.runtime.audit.verify({ deep: true })).ok).toBe(true);
  });

  it('a command that was running at the crash is reported to the model as interrupted, never run twice', async () => {
    dirs = await makeDirs();
    server = await start();
    server.enqueue({
      toolCalls: [{ name: 'bash', arguments: { command: 'echo run >> log.txt; sleep 30' } }],
    });
    const out = await runUntilThenKill(dirs, server.url, /^running /m, 'approve');
    // The command may or may not have started its `echo` before the kill; inside the sandbox
    // (--die-with-parent, own PID namespace) it dies with the runtime either way. Make sure
    // nothing of it is left, whatever the sandbox mode.
    const pid = Number(line(out, 'running'));
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone with the runtime
    }
    // The sandboxed shell runs in its own session and can outlive a SIGKILLed runtime (a
    // startup sweep is future work): end whatever is left of it before reading the log.
    await until(async () => !(await killCommand('echo run >> log.txt')));
    const before = await readFile(join(dirs.ws, 'log.txt'), 'utf8').catch(() => '');
    expect(['', 'run\n']).toContain(before);

    const t = await rig({ reuse: { dirs, server } });
    r = t;
    const session = await t.runtime.resumeSession(sessionId(line(out, 'session')));
    expect(session.interrupted).toBe(true);
    server.enqueue({ text: 'I will check the log before running it again.' });
    expect(await session.resumeTurn()).toMatchObject({ status: 'done' });
    // Never run twice: the log is exactly as it was at the crash.
    expect(await readFile(join(dirs.ws, 'log.txt'), 'utf8').catch(() => '')).toBe(before);
    const result = t.of('tool_result')[0];
    expect(result).toMatchObject({ tool: 'bash', ran: false, isError: true });
    expect(result?.summary).toContain('interrupted by a restart');
    expect(t.asked).toEqual([]);
    expect((await t.runtime.audit.verify({ deep: true })).ok).toBe(true);
  });
});

/** SIGKILLs every process whose command line contains `needle`; true if one was found. */
async function killCommand(needle: string): Promise<boolean> {
  const { readdir } = await import('node:fs/promises');
  let found = false;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.replace(/\0/g, ' ').includes(needle)) continue;
    found = true;
    try {
      process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
