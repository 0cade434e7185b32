import { readdir, readFile } from 'node:fs/promises';
import type { AuditEntry } from '@astrid/audit';
import { afterEach, describe, expect, it } from 'vitest';
import { rig, type TestRig, until } from './helpers.js';

let r: TestRig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

async function results(t: TestRig): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of t.runtime.audit.read({ kind: 'result' })) out.push(e);
  return out;
}

/** True while any process of the group `pgid` runs (zombies waiting to be reaped do not count). */
async function groupAlive(pgid: number): Promise<boolean> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid pgrp ...; comm may contain spaces, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

describe('cancellation', () => {
  it('during the stream: the HTTP stream is aborted, the reservation refunded, the turn ends cancelled', async () => {
    const t = await rig({});
    r = t;
    t.server.enqueue({
      text: 'a long answer that streams slowly, word by word, and is never finished',
      chunks: 20,
      latencyMs: 30,
    });
    const session = await t.runtime.createSession();
    const first = new Promise<void>((resolve) => {
      const off = t.runtime.subscribe((e) => {
        if (e.type === 'text_delta') {
          off();
          resolve();
        }
      });
    });
    const turn = session.send('talk');
    await first;
    // While the request is in flight its worst case is held.
    expect(session.budget().reserved).toBeGreaterThan(0);
    session.cancel();
    const result = await turn;
    expect(result.status).toBe('cancelled');
    expect(await t.server.finished(0)).toBe('client_closed');
    expect(session.budget()).toMatchObject({ spent: 0, reserved: 0 });
    expect(t.of('cancelled')).toEqual([{ type: 'cancelled', agent: session.ref, phase: 'model' }]);
    expect(t.of('turn_done')[0]).toMatchObject({ status: 'cancelled' });
    const [llm] = await results(t);
    expect(llm?.outcome?.status).toBe('cancelled');
    // The partial reply is kept, marked, so the history stays truthful.
    expect(session.history.at(-1)).toMatchObject({ role: 'assistant' });
    expect((session.history.at(-1) as { content: string }).content).toContain(
      '[reply cancelled by the user]',
    );
    // The session can go on.
    t.server.enqueue({ text: 'short answer' });
    expect(await session.send('again')).toMatchObject({ status: 'done', text: 'short answer' });
  });

  it('during a running bash: the process group is killed, the command cost refunded, the turn ends cancelled', async () => {
    const t = await rig({ flags: { budget: { action_costs: { execute_command: 0.25 } } } });
    r = t;
    t.answer = () => ({ decision: 'allow_once' });
    t.server.enqueue({ toolCalls: [{ name: 'bash', arguments: { command: 'sleep 30' } }] });
    const session = await t.runtime.createSession();
    const turn = session.send('wait a while');
    await until(() => t.runtime.processes.size > 0);
    const [pid] = t.runtime.processes.pids();
    expect(await groupAlive(pid as number)).toBe(true);
    // The command's $0.25 is held while it runs.
    expect(session.budget().reserved).toBe(250_000);
    session.cancel();
    const result = await turn;
    expect(result.status).toBe('cancelled');
    expect(await groupAlive(pid as number)).toBe(false);
    expect(t.of('cancelled')).toEqual([{ type: 'cancelled', agent: session.ref, phase: 'tool' }]);
    const budget = session.budget();
    expect(budget.reserved).toBe(0);
    expect(budget.spent).toBeLessThan(250_000);
    const bash = (await results(t)).find((e) => e.action?.kind === 'execute_command');
    expect(bash?.outcome?.status).toBe('cancelled');
    // The call still has a result in the history (both wire protocols require one).
    expect(session.history.at(-1)).toMatchObject({ role: 'tool_results', results: [{ isError: true }] });
    expect(session.interrupted).toBe(false);
  });

  it('while waiting for an approval: the request is cancelled, nothing runs', async () => {
    const t = await rig({});
    r = t;
    t.server.enqueue({ toolCalls: [{ name: 'bash', arguments: { command: 'touch never' } }] });
    const session = await t.runtime.createSession();
    const turn = session.send('touch it');
    await until(() => t.asked.length === 1);
    session.cancel();
    expect((await turn).status).toBe('cancelled');
    expect((await t.runtime.approvals.get(t.asked[0]?.id as never)).state).toBe('cancelled');
    expect(t.of('tool_result')[0]).toMatchObject({ ran: false, isError: true });
  });
});
