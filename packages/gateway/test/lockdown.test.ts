import { readdir, readFile } from 'node:fs/promises';
import {
  type ApprovalRequest,
  auditEntryId,
  isAstridError,
  principalId,
  type RpcNotifications,
  type SessionId,
} from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, type Rig, rig, types, until } from './helpers.js';

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
});

/** Pids of processes whose command line is exactly `argv`. */
async function pidsRunning(argv: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === `${argv.join('\0')}\0`) out.push(Number(name));
  }
  return out;
}

function requestOf(notes: RpcNotifications['session.event'][], tool?: string): ApprovalRequest | undefined {
  const found = notes.find(
    (n) =>
      n.event.type === 'approval_requested' && (tool === undefined || n.event.request.action.kind === tool),
  )?.event as { request: ApprovalRequest } | undefined;
  return found?.request;
}

describe('the kill switch', () => {
  it('kills a running command, denies pending approvals, refuses later actions, survives a restart; unlock restores', async () => {
    const sleeper = ['sleep', '37.25'];
    r.server.enqueue(
      { toolCalls: [{ name: 'bash', arguments: { command: sleeper.join(' ') } }] },
      { toolCalls: [{ name: 'write_file', arguments: { path: 'b.txt', content: 'b\n' } }] },
    );
    const client = await r.client();
    const running = await client.call('session.create', { label: 'runs a command' });
    const waiting = await client.call('session.create', { label: 'waits for approval' });
    const runNotes = collect(client);
    await client.subscribeSession(running.id);
    await client.subscribeSession(waiting.id);

    await client.call('session.send', { sessionId: running.id, text: 'sleep' });
    await until(() => requestOf(runNotes, 'execute_command') !== undefined);
    await client.call('approval.respond', {
      id: (requestOf(runNotes, 'execute_command') as ApprovalRequest).id,
      decision: 'allow_once',
    });
    await until(async () => (await pidsRunning(sleeper)).length === 1);

    await client.call('session.send', { sessionId: waiting.id, text: 'write b.txt' });
    await until(() => requestOf(runNotes, 'file_write') !== undefined);
    const pending = requestOf(runNotes, 'file_write') as ApprovalRequest;

    const daemonEvents: RpcNotifications['daemon.event'][] = [];
    client.on('daemon.event', (e) => daemonEvents.push(e));
    // An "Allow Session" and a session token, which the kill switch must take back.
    const rt = r.gateway.runtime;
    await rt.allowances.grant({
      session: running.id as SessionId,
      principal: principalId('agent'),
      action: { kind: 'file_read', path: `${rt.workspace}/notes.txt` },
      approvalId: 'apr_test',
      createdAt: Date.now(),
    });
    const sessionToken = await rt.capabilities.mint({
      resources: [{ action: 'file_write', pattern: `file://${rt.workspace}/**` }],
      subject: principalId('agent'),
      auditEntryId: auditEntryId('aud_test'),
      scope: 'session',
      sessionId: running.id as SessionId,
    });

    const locked = await client.call('daemon.lockdown', { reason: 'test', userId: 'alice' });
    expect(locked.active).toBe(true);
    expect(locked.droppedAllowances).toBe(1);
    expect(locked.revokedTokens).toBe(1);
    expect(rt.allowances.forSession(running.id as SessionId)).toEqual([]);
    expect(rt.capabilities.isRevoked(sessionToken.id)).toBe(true);
    expect(locked.epoch).toBe(1);
    expect(locked.killedProcesses).toBeGreaterThanOrEqual(1);
    expect(locked.deniedApprovals).toBe(1);
    expect(await pidsRunning(sleeper)).toEqual([]);
    const denied = await client.call('approval.get', { id: pending.id });
    expect(denied.state).toBe('denied');
    expect(denied.decidedBy?.frontend).toBe('kill-switch');
    await until(() => daemonEvents.length === 1);
    expect(daemonEvents[0]?.type).toBe('lockdown');
    await until(() => runNotes.filter((n) => n.event.type === 'turn_done').length === 2);

    // Every later action is refused.
    const send = await client
      .call('session.send', { sessionId: running.id, text: 'again' })
      .catch((e: unknown) => e);
    expect((send as { astridCode?: string }).astridCode).toBe('LOCKED_DOWN');
    const audit = await client.call('audit.list', { kind: 'lockdown', reverse: true, limit: 50 });
    expect(
      audit.entries.some((e) => (e.details as { event?: string } | undefined)?.event === 'lockdown'),
    ).toBe(true);

    // It survives a restart.
    await client.close();
    await r.restart();
    const after = await r.client();
    const status = await after.call('daemon.status');
    expect(status.lockdown).toMatchObject({ active: true, epoch: 1, reason: 'test' });
    const again = await after
      .call('session.send', { sessionId: running.id, text: 'again' })
      .catch((e: unknown) => e);
    expect((again as { astridCode?: string }).astridCode).toBe('LOCKED_DOWN');

    // Unlock restores actions.
    const unlocked = await after.call('daemon.unlock', { reason: 'all clear' });
    expect(unlocked).toEqual({ active: false, epoch: 1 });
    r.server.enqueue({ text: 'back to work' });
    const notes = collect(after);
    await after.subscribeSession(waiting.id);
    await after.call('session.send', { sessionId: waiting.id, text: 'hello again' });
    await until(() => types(notes).includes('turn_done'));
    const done = notes.find((n) => n.event.type === 'turn_done')?.event as { status: string; text: string };
    expect(done).toMatchObject({ status: 'done', text: 'back to work' });
  });

  it('a request created while locked down is denied at once; an allow answer is refused', async () => {
    const client = await r.client();
    await client.call('daemon.lockdown', {});
    // A request that reaches the broker during the lockdown (e.g. from a turn that was
    // already past the model) is denied the moment it is created.
    const request = await r.gateway.runtime.approvals.create({
      session: (await client.call('session.create', {})).id as never,
      principal: 'agent' as never,
      action: { kind: 'file_delete', path: `${r.dirs.ws}/x` },
      risk: 'high',
      summary: 'delete x',
      preview: { kind: 'none' },
      timeoutMs: 60_000,
    });
    await until(async () => (await client.call('approval.get', { id: request.id })).state === 'denied');
    const err = await client
      .call('approval.respond', { id: request.id, decision: 'allow_once' })
      .catch((e: unknown) => e);
    expect((err as { astridCode?: string }).astridCode).toBe('LOCKED_DOWN');
    expect(isAstridError(err)).toBe(false);
  });
});
