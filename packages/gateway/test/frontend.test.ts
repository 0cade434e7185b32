import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  attachFrontend,
  type Frontend,
  type FrontendDecision,
  type StatusEvent,
  type ToolActivity,
} from '@astrid/client';
import type { ApprovalRequest } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Rig, rig, until } from './helpers.js';

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
});

/** A scripted frontend that records what it is told. */
function recorder(decide: (request: ApprovalRequest) => Promise<FrontendDecision | undefined>) {
  const seen = {
    text: '',
    asked: [] as string[],
    aborted: [] as string[],
    resolved: [] as ApprovalRequest[],
    tools: [] as ToolActivity[],
    status: [] as string[],
  };
  const frontend: Frontend = {
    text: (delta) => {
      seen.text += delta;
    },
    approval: (request, signal) => {
      seen.asked.push(request.id);
      signal.addEventListener('abort', () => seen.aborted.push(request.id));
      return decide(request);
    },
    approvalResolved: (request) => seen.resolved.push(request),
    toolActivity: (a) => seen.tools.push(a),
    status: (e: StatusEvent) => seen.status.push(e.type),
  };
  return { frontend, seen };
}

describe('attachFrontend', () => {
  it('routes events; the first frontend to answer wins and the other is told it was resolved', async () => {
    r.server.enqueue(
      {
        text: 'I will write',
        toolCalls: [{ name: 'write_file', arguments: { path: 'f.txt', content: 'x\n' } }],
      },
      { text: 'done' },
    );
    const a = await r.client({ clientName: 'fast' });
    const b = await r.client({ clientName: 'slow' });
    const session = await a.call('session.create', {});
    const fast = recorder(async () => ({ decision: 'allow_once' }));
    // The slow one never answers by itself: it waits until the request is resolved elsewhere.
    const slow = recorder(() => new Promise<undefined>(() => {}));
    await attachFrontend(a, session.id, fast.frontend, { userId: 'fast-user' });
    const detachSlow = await attachFrontend(b, session.id, slow.frontend);
    await a.call('session.send', { sessionId: session.id, text: 'write f.txt' });
    await until(() => fast.seen.status.includes('turn_done') && slow.seen.status.includes('turn_done'));
    for (const { seen } of [fast, slow]) {
      expect(seen.text).toBe('I will writedone');
      expect(seen.asked).toHaveLength(1);
      expect(seen.resolved.map((q) => [q.state, q.decidedBy?.frontend, q.decidedBy?.principal])).toEqual([
        ['approved', 'fast', 'fast-user'],
      ]);
      expect(seen.tools.map((t) => `${t.phase}:${t.tool}`)).toEqual([
        'proposed:write_file',
        'result:write_file',
      ]);
    }
    expect(slow.seen.aborted).toEqual(slow.seen.asked);
    expect(await readFile(join(r.dirs.ws, 'f.txt'), 'utf8')).toBe('x\n');
    await detachSlow.detach();
  });

  it('a frontend attached later is asked about a request already pending, and replays with since', async () => {
    r.server.enqueue(
      { toolCalls: [{ name: 'write_file', arguments: { path: 'g.txt', content: 'g\n' } }] },
      { text: 'ok' },
    );
    const driver = await r.client();
    const session = await driver.call('session.create', {});
    await driver.call('session.send', { sessionId: session.id, text: 'write g.txt' });
    await until(
      async () => (await driver.call('approval.list', { state: 'pending' })).approvals.length === 1,
    );
    const late = await r.client({ clientName: 'late' });
    const { frontend, seen } = recorder(async () => ({ decision: 'deny', reason: 'no thanks' }));
    await attachFrontend(late, session.id, frontend, { since: 0 });
    await until(() => seen.status.includes('turn_done'));
    // Asked once, although both the pending list and the replayed event name the request.
    expect(seen.asked).toHaveLength(1);
    expect(seen.resolved[0]).toMatchObject({ state: 'denied', reason: 'no thanks' });
    expect(seen.status[0]).toBe('turn_started');
  });
});
