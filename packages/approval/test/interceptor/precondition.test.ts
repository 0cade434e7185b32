import { join } from 'node:path';
import type { AuditEntry } from '@astrid/audit';
import type { SensitiveAction } from '@astrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT, type Harness, makeHarness, SESSION } from './harness.js';

// A caller (the runtime) hands the interceptor the save it is still writing: the read-only
// checks overlap it, and nothing is recorded, asked or consumed before it is durable.

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function entries(): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of h.audit.read()) out.push(e);
  return out;
}

function deferred(): { promise: Promise<void>; resolve(): void; reject(e: Error): void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets the interceptor run as far as it can: its checks, the filesystem calls included. */
async function settleFor(ms = 30): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

const write = (ws: string): SensitiveAction => ({ kind: 'file_write', path: join(ws, 'a.txt') });

describe('SecurityInterceptor: a precondition', () => {
  it('holds back the approval request and the decision entry until it settles', async () => {
    h = await makeHarness();
    h.answer = () => ({ decision: 'allow_once' });
    const saved = deferred();
    const pending = h.interceptor.intercept(write(h.ws), h.ctx({ precondition: saved.promise }));
    await settleFor();
    expect(h.requests).toHaveLength(0);
    expect(await entries()).toHaveLength(0);
    saved.resolve();
    const r = await pending;
    expect(r).toMatchObject({ allowed: true, proof: { stage: 'approval' } });
    expect(h.requests).toHaveLength(1);
    expect((await entries()).map((e) => e.kind)).toContain('decision');
  });

  it('holds back the decision entry of an action a token or the mode allows', async () => {
    h = await makeHarness();
    await h.tokens.mint({
      resources: [{ action: 'file_write', pattern: `file://${h.ws}/**` }],
      subject: AGENT,
      auditEntryId: 'e-1' as never,
      scope: 'persistent',
    });
    const saved = deferred();
    const byToken = h.interceptor.intercept(write(h.ws), h.ctx({ precondition: saved.promise }));
    const byMode = h.interceptor.intercept(
      { kind: 'file_read', path: join(h.ws, 'a.txt') },
      h.ctx({ precondition: saved.promise }),
    );
    await settleFor();
    expect(await entries()).toHaveLength(0);
    saved.resolve();
    expect(await byToken).toMatchObject({ allowed: true, proof: { stage: 'token' } });
    expect(await byMode).toMatchObject({ allowed: true, proof: { stage: 'mode' } });
    expect((await entries()).map((e) => e.decision?.verdict)).toEqual(['allow', 'allow']);
  });

  it('holds back a denial entry too', async () => {
    h = await makeHarness();
    const saved = deferred();
    const pending = h.interceptor.intercept(
      { kind: 'file_read', path: '/etc/passwd' },
      h.ctx({ precondition: saved.promise }),
    );
    await settleFor();
    expect(await entries()).toHaveLength(0);
    saved.resolve();
    expect(await pending).toMatchObject({ allowed: false, code: 'POLICY_DENIED' });
    expect((await entries()).map((e) => e.decision?.verdict)).toEqual(['deny']);
  });

  it('that rejects: intercept rejects with its error, records nothing, consumes no token, refunds', async () => {
    h = await makeHarness({ settings: { actionCostsMicros: { file_write: 100 } } });
    const action = write(h.ws);
    const token = await h.tokens.mint({
      resources: [{ action: 'file_write', pattern: `file://${h.ws}/**` }],
      subject: AGENT,
      auditEntryId: 'e-1' as never,
      scope: 'persistent',
      singleUse: true,
    });
    const saved = deferred();
    const pending = h.interceptor.intercept(action, h.ctx({ precondition: saved.promise }));
    saved.reject(new Error('injected: the session could not be saved'));
    await expect(pending).rejects.toThrow('injected: the session could not be saved');
    expect(await entries()).toHaveLength(0);
    expect(h.requests).toHaveLength(0);
    expect(h.budget.usage(SESSION)).toMatchObject({ spent: 0, reserved: 0 });
    // The single-use token is still there for the retry.
    const again = await h.interceptor.intercept(action, h.ctx());
    expect(again).toMatchObject({ allowed: true, proof: { stage: 'token', tokenId: token.id } });
  });
});
