import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAstridError, principalId, sessionId } from '@astrid/core';
import { type Database, LevelDatabase } from '@astrid/storage';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApprovalBroker, type ApprovalEvent, type NewApprovalRequest } from '../../src/approvals/broker.js';

const S = sessionId('sess1');
const P = principalId('agent');
const USER = { principal: principalId('alice'), frontend: 'cli' };

function input(timeoutMs = 60_000): NewApprovalRequest {
  return {
    session: S,
    principal: P,
    action: { kind: 'file_write', path: '/ws/a.txt' },
    risk: 'medium',
    summary: 'write /ws/a.txt',
    preview: { kind: 'none' },
    timeoutMs,
  };
}

let home: string;
let db: LevelDatabase;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'astrid-apr-'));
  db = await LevelDatabase.open(home);
});
afterEach(async () => {
  vi.useRealTimers();
  await db.close();
  await rm(home, { recursive: true, force: true });
});

describe('ApprovalBroker', () => {
  it('lets exactly one of 10 concurrent answers win; the rest get APPROVAL_ALREADY_RESOLVED', async () => {
    const broker = await ApprovalBroker.open(db);
    const req = await broker.create(input());
    const answers = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        broker.answer(
          req.id,
          { decision: i % 2 === 0 ? 'allow_once' : 'deny' },
          { ...USER, connection: `c${i}` },
        ),
      ),
    );
    const won = answers.filter((a) => a.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const a of answers) {
      if (a.status === 'rejected') expect(isAstridError(a.reason, 'APPROVAL_ALREADY_RESOLVED')).toBe(true);
    }
    const final = await broker.get(req.id);
    expect(final.decidedBy?.connection).toBe('c0');
    expect(final.state).toBe('approved');
    broker.close();
  });

  it('tells every subscriber, and a waiter gets the answer', async () => {
    const broker = await ApprovalBroker.open(db);
    const seen: ApprovalEvent['type'][] = [];
    broker.subscribe((e) => seen.push(e.type));
    broker.subscribe(() => {
      throw new Error('a broken frontend');
    });
    const req = await broker.create(input());
    const waiting = broker.wait(req.id);
    await broker.answer(req.id, { decision: 'deny', reason: 'not that file' }, USER);
    const done = await waiting;
    expect(done).toMatchObject({ state: 'denied', decision: 'deny', reason: 'not that file' });
    expect(seen).toEqual(['approval_requested', 'approval_resolved']);
  });

  it('keeps a request pending with no frontend, and it survives a restart', async () => {
    const broker = await ApprovalBroker.open(db);
    const req = await broker.create(input());
    broker.close();
    await db.close();
    db = await LevelDatabase.open(home);
    const again = await ApprovalBroker.open(db);
    expect(again.pending().map((r) => r.id)).toEqual([req.id]);
    const answered = await again.answer(req.id, { decision: 'allow_once' }, USER);
    expect(answered.state).toBe('approved');
    expect(again.pending()).toEqual([]);
    again.close();
  });

  it('expires on timeout (fake timers), recorded as expiry and not as a denial', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const broker = await ApprovalBroker.open(db);
    const req = await broker.create(input(5_000));
    const waiting = broker.wait(req.id);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(broker.pending()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    const done = await waiting;
    expect(done.state).toBe('expired');
    expect(done.decision).toBeUndefined();
    await expect(broker.answer(req.id, { decision: 'allow_once' }, USER)).rejects.toMatchObject({
      code: 'APPROVAL_ALREADY_RESOLVED',
    });
  });

  it('fails closed when the audit hook fails: no request, or the answer is not taken', async () => {
    let fail = true;
    const broker = await ApprovalBroker.open(db, {
      audit: async (event) => {
        if (fail) throw new Error('audit down');
        return `entry-${event}`;
      },
    });
    await expect(broker.create(input())).rejects.toThrow(/audit down/);
    expect(broker.pending()).toEqual([]);
    fail = false;
    const req = await broker.create(input());
    expect(req.auditLinks.requested).toBe('entry-approval_requested');
    fail = true;
    await expect(broker.answer(req.id, { decision: 'allow_once' }, USER)).rejects.toThrow(/audit down/);
    expect((await broker.get(req.id)).state).toBe('pending');
    fail = false;
    const ok = await broker.answer(req.id, { decision: 'allow_once' }, USER);
    expect(ok.auditLinks).toEqual({
      requested: 'entry-approval_requested',
      resolved: 'entry-approval_resolved',
    });
    broker.close();
  });

  it('stays pending when the storage write of an answer fails', async () => {
    let failBatch = false;
    const faulty: Database = {
      location: db.location,
      store: (name) => db.store(name),
      batch: (ops, opts) => (failBatch ? Promise.reject(new Error('disk full')) : db.batch(ops, opts)),
      close: () => db.close(),
    };
    const broker = await ApprovalBroker.open(faulty);
    const req = await broker.create(input());
    failBatch = true;
    await expect(broker.answer(req.id, { decision: 'allow_once' }, USER)).rejects.toThrow(/disk full/);
    expect(broker.pending().map((r) => r.id)).toEqual([req.id]);
    failBatch = false;
    expect((await broker.answer(req.id, { decision: 'deny' }, USER)).state).toBe('denied');
    broker.close();
  });

  it('rejects a malformed answer and an unknown id', async () => {
    const broker = await ApprovalBroker.open(db);
    const req = await broker.create(input());
    await expect(broker.answer(req.id, { decision: 'yes' } as never, USER)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(broker.answer('apr_nope' as never, { decision: 'deny' }, USER)).rejects.toMatchObject({
      code: 'APPROVAL_NOT_FOUND',
    });
    await broker.cancel(req.id);
    expect((await broker.get(req.id)).state).toBe('cancelled');
    broker.close();
  });
});
