import {
  type AgentRef,
  type ElicitationQuestion,
  isAstridError,
  type RuntimeEvent,
  type SessionId,
  sessionId,
} from '@astrid/core';
import { describe, expect, it } from 'vitest';
import {
  type ElicitationAuditRecord,
  ElicitationBroker,
  type ElicitationBrokerOptions,
} from '../src/index.js';

const S1 = sessionId('ses_one');
const S2 = sessionId('ses_two');
const CHILD = sessionId('sub_child');

function ref(session: SessionId): AgentRef {
  return session === CHILD
    ? { session, root: S1, parent: S1, depth: 1, label: 'sub-agent: x' }
    : { session, root: session, depth: 0, label: session };
}

function broker(extra: Partial<ElicitationBrokerOptions> = {}) {
  const events: RuntimeEvent[] = [];
  const audits: ElicitationAuditRecord[] = [];
  const b = new ElicitationBroker({
    now: () => 1_000,
    emit: (e) => events.push(e),
    refFor: ref,
    audit: async (r) => {
      audits.push(r);
    },
    ...extra,
  });
  return { b, events, audits };
}

const QUESTION: ElicitationQuestion = {
  source: 'mcp://github',
  message: 'Which token should I use?',
  fields: [
    { name: 'token', type: 'string', required: true, secret: true },
    { name: 'scope', type: 'string', enum: ['repo', 'read'] },
    { name: 'days', type: 'integer' },
    { name: 'ratio', type: 'number' },
    { name: 'remember', type: 'boolean' },
  ],
};

async function rejected(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('ElicitationBroker', () => {
  it('emits the request, lists it, and hands the first valid answer to the asker only', async () => {
    const { b, events, audits } = broker();
    const asked = b.ask(S1, QUESTION);
    const [request] = b.pending();
    expect(request).toMatchObject({
      session: S1,
      source: 'mcp://github',
      createdAt: 1_000,
      expiresAt: 601_000,
    });
    expect(request?.fields[0]).toMatchObject({ name: 'token', required: true, secret: true });
    expect(request?.fields[1]).toMatchObject({ required: false, secret: false });
    expect(events[0]).toEqual({ type: 'elicitation_requested', agent: ref(S1), request });
    const id = request?.id as string;
    const content = { token: 'ghp_SECRET', scope: 'repo', days: 3, ratio: 0.5, remember: true };
    const by = { principal: 'alice', decidedBy: 'alice@unix:c1' };
    expect(await b.respond(id, { action: 'accept', content }, by)).toEqual({ id, outcome: 'accept' });
    expect(await asked).toEqual({ outcome: 'accept', content });
    expect(b.pending()).toEqual([]);
    expect(events[1]).toEqual({
      type: 'elicitation_resolved',
      agent: ref(S1),
      id,
      outcome: 'accept',
      decidedBy: 'alice@unix:c1',
    });
    // Neither the events nor the audit record carry a value.
    expect(JSON.stringify(events)).not.toContain('ghp_SECRET');
    expect(audits).toEqual([{ request, outcome: 'accept', by }]);
    const late = await rejected(b.respond(id, { action: 'decline' }));
    expect(isAstridError(late, 'ELICITATION_ALREADY_RESOLVED')).toBe(true);
    expect(
      isAstridError(await rejected(b.respond('eli_nope', { action: 'cancel' })), 'ELICITATION_NOT_FOUND'),
    ).toBe(true);
  });

  it.each([
    [{ scope: 'repo' }, '"token" is required'],
    [{ token: 42 }, '"token" expected a string'],
    [{ token: 'x', scope: 'admin' }, '"scope" expected one of 2 choices'],
    [{ token: 'x', days: 1.5 }, '"days" expected an integer'],
    [{ token: 'x', ratio: Number.NaN }, '"ratio" expected a finite number'],
    [{ token: 'x', remember: 'yes' }, '"remember" expected a boolean'],
    [{ token: 'x', extra: 1 }, '"extra" is not a field'],
  ])('refuses the answer %j and keeps the question pending', async (content, message) => {
    const { b, audits } = broker();
    const asked = b.ask(S1, QUESTION);
    const id = b.pending()[0]?.id as string;
    const err = await rejected(b.respond(id, { action: 'accept', content }));
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toContain(message);
    expect(b.pending().map((r) => r.id)).toEqual([id]);
    expect(audits).toEqual([]);
    await b.respond(id, { action: 'decline', content: { token: 'ignored' } });
    expect(await asked).toEqual({ outcome: 'decline' });
  });

  it('refuses malformed questions and timeouts at the boundary', () => {
    const { b } = broker();
    expect(() => b.ask(S1, { ...QUESTION, source: 'mcp://x\u001b[2J' })).toThrow(RangeError);
    expect(() =>
      b.ask(S1, {
        source: 's',
        message: 'm',
        fields: [
          { name: 'a', type: 'string' },
          { name: 'a', type: 'number' },
        ],
      }),
    ).toThrow(/unique/);
    expect(() => b.ask(S1, QUESTION, { timeoutMs: 0 })).toThrow(/"timeoutMs"/);
    expect(b.pending()).toEqual([]);
  });

  it('expires a question nobody answers, audited, and a late answer is told it was resolved', async () => {
    const { b, events, audits } = broker();
    const asked = b.ask(S1, QUESTION, { timeoutMs: 20 });
    const id = b.pending()[0]?.id as string;
    expect(await asked).toEqual({ outcome: 'expired' });
    expect(events.at(-1)).toMatchObject({ type: 'elicitation_resolved', id, outcome: 'expired' });
    expect(audits.map((a) => a.outcome)).toEqual(['expired']);
    expect(
      isAstridError(await rejected(b.respond(id, { action: 'accept' })), 'ELICITATION_ALREADY_RESOLVED'),
    ).toBe(true);
  });

  it('the asker withdraws with its signal; a session cancel takes its sub-agents too; cancelAll takes all', async () => {
    const { b, audits } = broker();
    const controller = new AbortController();
    const withdrawn = b.ask(S1, QUESTION, { signal: controller.signal });
    controller.abort();
    expect(await withdrawn).toEqual({ outcome: 'cancel' });
    const mine = b.ask(S1, QUESTION);
    const child = b.ask(CHILD, QUESTION);
    const other = b.ask(S2, QUESTION);
    expect(b.pending(S1)).toHaveLength(2);
    expect(await b.cancelSession(S1, 'cancelled by a frontend')).toBe(2);
    expect(await mine).toEqual({ outcome: 'cancel' });
    expect(await child).toEqual({ outcome: 'cancel' });
    expect(b.pending().map((r) => r.session)).toEqual([S2]);
    expect(await b.cancelAll('lockdown')).toBe(1);
    expect(await other).toEqual({ outcome: 'cancel' });
    expect(audits.map((a) => a.reason)).toEqual([
      'withdrawn by the asker',
      'cancelled by a frontend',
      'cancelled by a frontend',
      'lockdown',
    ]);
  });

  it('under lockdown a question is cancelled without being asked', async () => {
    const { b, events, audits } = broker({ lockedDown: () => true });
    expect(await b.ask(S1, QUESTION)).toEqual({ outcome: 'cancel' });
    expect(events).toEqual([]);
    expect(audits[0]).toMatchObject({ outcome: 'cancel', reason: 'the daemon is in lockdown' });
  });

  it('fails closed: an answer that cannot be audited never reaches the asker', async () => {
    const { b, events } = broker({
      audit: async () => {
        throw new Error('disk full');
      },
    });
    const asked = b.ask(S1, QUESTION);
    const id = b.pending()[0]?.id as string;
    const err = await rejected(b.respond(id, { action: 'accept', content: { token: 'ghp_SECRET' } }));
    expect((err as Error).message).toBe('disk full');
    expect(await asked).toEqual({ outcome: 'cancel' });
    expect(events.at(-1)).toMatchObject({ type: 'elicitation_resolved', outcome: 'cancel' });
  });
});
