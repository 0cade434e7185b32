import { join } from 'node:path';
import type { AuditEntry } from '@astrid/audit';
import type { SensitiveAction } from '@astrid/core';
import type { Database } from '@astrid/storage';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AGENT, type Harness, makeHarness, SESSION } from './harness.js';

let h: Harness;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
});

async function entries(): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of h.audit.read()) out.push(e);
  return out;
}

const write = (ws: string, name = 'a.txt'): SensitiveAction => ({ kind: 'file_write', path: join(ws, name) });

describe('SecurityInterceptor: each stage allows and denies, in order', () => {
  it('policy: a deny is final even with a valid token, and is audited with its rule', async () => {
    h = await makeHarness();
    await h.tokens.mint({
      resources: [{ action: 'file_read', pattern: 'file:///etc/**' }],
      subject: AGENT,
      auditEntryId: 'e-1' as never,
      scope: 'persistent',
    });
    const r = await h.interceptor.intercept({ kind: 'file_read', path: '/etc/passwd' }, h.ctx());
    expect(r).toMatchObject({ allowed: false, stage: 'policy', code: 'POLICY_DENIED' });
    expect(h.requests).toHaveLength(0);
    const [entry] = await entries();
    expect(entry?.decision).toMatchObject({
      verdict: 'deny',
      proof: { policyRuleId: 'denied_paths:/etc/**' },
    });
  });

  it('policy: an invalid action is denied with a reason, not thrown', async () => {
    h = await makeHarness();
    const r = await h.interceptor.intercept({ kind: 'file_read', path: 'relative' }, h.ctx());
    expect(r).toMatchObject({ allowed: false, code: 'INVALID_ACTION' });
  });

  it('token: a covering token authorizes without asking', async () => {
    h = await makeHarness();
    const token = await h.tokens.mint({
      resources: [{ action: 'file_write', pattern: `file://${h.ws}/**` }],
      subject: AGENT,
      auditEntryId: 'e-1' as never,
      scope: 'persistent',
    });
    const r = await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(r).toMatchObject({ allowed: true, proof: { stage: 'token', tokenId: token.id } });
    expect(h.requests).toHaveLength(0);
  });

  it("token: another principal's token does not authorize; the mode asks", async () => {
    h = await makeHarness();
    await h.tokens.mint({
      resources: [{ action: 'file_write', pattern: `file://${h.ws}/**` }],
      subject: 'someone-else' as never,
      auditEntryId: 'e-1' as never,
      scope: 'persistent',
    });
    h.answer = () => ({ decision: 'deny', reason: 'no' });
    const r = await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(r).toMatchObject({ allowed: false, code: 'APPROVAL_DENIED' });
    expect(h.requests).toHaveLength(1);
  });

  it('budget: checked before asking; an over-budget action never reaches an action approval', async () => {
    h = await makeHarness({ limits: { sessionMax: 5 }, settings: { actionCostsMicros: { file_write: 10 } } });
    h.answer = (req) => (req.preview.kind === 'budget' ? { decision: 'deny' } : { decision: 'allow_once' });
    const r = await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(r).toMatchObject({ allowed: false, stage: 'budget', code: 'BUDGET_EXCEEDED' });
    expect(h.requests.map((q) => q.preview.kind)).toEqual(['budget']);
  });

  it('budget: an approved extension (with the amount changed by the human) lets the action go on', async () => {
    h = await makeHarness({ limits: { sessionMax: 5 }, settings: { actionCostsMicros: { file_write: 10 } } });
    h.answer = (req) =>
      req.preview.kind === 'budget'
        ? { decision: 'allow_once', budgetExtensionMicros: 20 }
        : { decision: 'allow_once' };
    const r = await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(r.allowed).toBe(true);
    expect(h.budget.usage(SESSION)).toEqual({ spent: 0, reserved: 10, limit: 25 });
    const ext = (await entries()).find(
      (e) => (e.details as { event?: string } | undefined)?.event === 'budget_extended',
    );
    expect(ext?.details).toMatchObject({ byMicros: 20 });
  });

  it('budget: refunded when the human denies', async () => {
    h = await makeHarness({
      limits: { sessionMax: 100 },
      settings: { actionCostsMicros: { file_write: 10 } },
    });
    h.answer = () => ({ decision: 'deny' });
    await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(h.budget.usage(SESSION)).toMatchObject({ spent: 0, reserved: 0 });
  });

  it('mode: guided auto-allows a read inside the workspace, and asks for one outside', async () => {
    h = await makeHarness();
    const inside = await h.interceptor.intercept({ kind: 'file_read', path: join(h.ws, 'x') }, h.ctx());
    expect(inside).toMatchObject({ allowed: true, proof: { stage: 'mode', rule: 'guided_read_inside' } });
    h.answer = () => ({ decision: 'deny' });
    const outside = await h.interceptor.intercept(
      { kind: 'file_read', path: join(h.home, 'elsewhere') },
      h.ctx(),
    );
    expect(outside).toMatchObject({ allowed: false, code: 'APPROVAL_DENIED' });
  });

  it('mode: escape_policy deny refuses outside paths without asking', async () => {
    h = await makeHarness({ settings: { escapePolicy: 'deny' } });
    const r = await h.interceptor.intercept({ kind: 'file_read', path: join(h.home, 'elsewhere') }, h.ctx());
    expect(r).toMatchObject({ allowed: false, stage: 'mode', code: 'PATH_ESCAPE' });
    expect(h.requests).toHaveLength(0);
  });

  it("approval: a denial passes the human's feedback to the agent", async () => {
    h = await makeHarness();
    h.answer = () => ({ decision: 'deny', reason: 'use the other file' });
    const r = await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(r).toMatchObject({ allowed: false, stage: 'approval', code: 'APPROVAL_DENIED' });
    expect(!r.allowed && r.reason).toContain('use the other file');
  });

  it('approval: Allow Once asks again next time; Allow Session does not', async () => {
    h = await makeHarness();
    h.answer = () => ({ decision: 'allow_once' });
    await h.interceptor.intercept(write(h.ws), h.ctx());
    await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(h.requests).toHaveLength(2);
    h.answer = () => ({ decision: 'allow_session' });
    await h.interceptor.intercept(write(h.ws, 'b.txt'), h.ctx());
    const again = await h.interceptor.intercept(write(h.ws, 'b.txt'), h.ctx());
    expect(again).toMatchObject({ allowed: true, proof: { stage: 'allowance' } });
    expect(h.requests).toHaveLength(3);
    // The allowance is for that resource only, and that session only.
    h.answer = () => ({ decision: 'deny' });
    expect((await h.interceptor.intercept(write(h.ws, 'c.txt'), h.ctx())).allowed).toBe(false);
    expect(
      (await h.interceptor.intercept(write(h.ws, 'b.txt'), h.ctx({ session: 'other' as never }))).allowed,
    ).toBe(false);
  });

  it('approval: Allow Always mints a token linked to the audit entry; the next call uses it', async () => {
    h = await makeHarness();
    h.answer = () => ({ decision: 'allow_always' });
    const first = await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(first.allowed).toBe(true);
    const second = await h.interceptor.intercept(write(h.ws), h.ctx());
    expect(second).toMatchObject({ allowed: true, proof: { stage: 'token' } });
    const minted = (await entries()).find((e) => e.kind === 'token_minted');
    expect(minted?.details).toMatchObject({ decisionEntry: first.allowed ? first.decisionEntry : '' });
  });

  it('approval: a command that runs arbitrary code is only ever allowed once', async () => {
    h = await makeHarness();
    const py: SensitiveAction = { kind: 'execute_command', argv: ['python3', 'build.py'] };
    h.answer = () => ({ decision: 'allow_always' });
    expect((await h.interceptor.intercept(py, h.ctx())).allowed).toBe(true);
    h.answer = () => ({ decision: 'deny' });
    expect((await h.interceptor.intercept(py, h.ctx())).allowed).toBe(false);
    expect(h.requests).toHaveLength(2);
    expect((await entries()).some((e) => e.kind === 'token_minted')).toBe(false);
  });

  it('approval: an unresolved command needs approval at critical risk, even when allowed_commands matches', async () => {
    h = await makeHarness({ settings: { allowedCommands: ['echo **', 'python3 **'] } });
    h.answer = () => ({ decision: 'deny' });
    const r = await h.interceptor.intercept(
      { kind: 'execute_command', argv: ['python3', '-c', 'import os'] },
      h.ctx(),
    );
    expect(r.allowed).toBe(false);
    expect(h.requests[0]?.risk).toBe('critical');
    expect(
      (await h.interceptor.intercept({ kind: 'execute_command', argv: ['echo', 'hi'] }, h.ctx())).allowed,
    ).toBe(true);
  });

  it('escalation: after untrusted input, an allowed command and a token no longer auto-apply', async () => {
    h = await makeHarness();
    await h.tokens.mint({
      resources: [{ action: 'network_request', pattern: 'net://example.com:443' }],
      subject: AGENT,
      auditEntryId: 'e-1' as never,
      scope: 'persistent',
    });
    const ls: SensitiveAction = { kind: 'execute_command', argv: ['ls'] };
    const net: SensitiveAction = { kind: 'network_request', host: 'example.com', port: 443, method: 'GET' };
    expect((await h.interceptor.intercept(ls, h.ctx())).allowed).toBe(true);
    expect((await h.interceptor.intercept(net, h.ctx())).allowed).toBe(true);
    expect(h.requests).toHaveLength(0);
    h.answer = () => ({ decision: 'deny' });
    expect((await h.interceptor.intercept(ls, h.ctx({ tainted: true }))).allowed).toBe(false);
    expect((await h.interceptor.intercept(net, h.ctx({ tainted: true }))).allowed).toBe(false);
    expect(h.requests).toHaveLength(2);
    h.answer = () => ({ decision: 'allow_once' });
    const asked = await h.interceptor.intercept(ls, h.ctx({ tainted: true }));
    expect(asked.allowed).toBe(true);
    const decision = (await entries()).filter((e) => e.kind === 'decision').at(-1);
    expect(decision?.details).toMatchObject({ escalated: true });
    expect(decision?.decision?.reason).toContain('untrusted');
  });

  it('approval: expiry is APPROVAL_EXPIRED, not a denial (fake timers)', async () => {
    h = await makeHarness({ settings: { approvalTimeoutMs: 1_000 } });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = h.interceptor.intercept(write(h.ws), h.ctx());
    await vi.waitFor(() => expect(h.requests).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await pending).toMatchObject({ allowed: false, code: 'APPROVAL_EXPIRED' });
  });

  it('approval: cancelling the proposal cancels its request', async () => {
    h = await makeHarness();
    const controller = new AbortController();
    const pending = h.interceptor.intercept(write(h.ws), h.ctx({ signal: controller.signal }));
    await vi.waitFor(() => expect(h.requests).toHaveLength(1));
    controller.abort();
    expect(await pending).toMatchObject({ allowed: false, code: 'APPROVAL_CANCELLED' });
  });

  it('countdown: an auto-applied high-risk action waits and can be cancelled (fake timers)', async () => {
    h = await makeHarness({ settings: { countdownSeconds: 3, mode: 'autonomous' } });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const del: SensitiveAction = { kind: 'file_delete', path: join(h.ws, 'old.txt') };
    const first = h.interceptor.intercept(del, h.ctx());
    await vi.waitFor(() => expect(h.events).toHaveLength(1));
    expect(h.events[0]).toMatchObject({ type: 'auto_apply', risk: 'high', seconds: 3 });
    await vi.advanceTimersByTimeAsync(2_999);
    let settled = false;
    first.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await first).allowed).toBe(true);

    const second = h.interceptor.intercept(del, h.ctx());
    await vi.waitFor(() => expect(h.events).toHaveLength(2));
    const ev = h.events[1];
    expect(ev?.type === 'auto_apply' && h.interceptor.cancelAutoApply(ev.id)).toBe(true);
    expect(await second).toMatchObject({ allowed: false, code: 'APPROVAL_CANCELLED' });
  });

  it('audit: if the decision cannot be appended, nothing is authorized and the budget is refunded', async () => {
    let fail = false;
    h = await makeHarness({
      limits: { sessionMax: 100 },
      settings: { actionCostsMicros: { file_read: 7 } },
      wrapDb: (db): Database => ({
        location: db.location,
        store: (n) => db.store(n),
        batch: (ops, o) =>
          fail && ops.some((op) => op.store.startsWith('audit'))
            ? Promise.reject(new Error('disk full'))
            : db.batch(ops, o),
        close: () => db.close(),
      }),
    });
    fail = true;
    const r = await h.interceptor.intercept({ kind: 'file_read', path: join(h.ws, 'x') }, h.ctx());
    expect(r).toMatchObject({ allowed: false, stage: 'audit', code: 'AUDIT_APPEND_FAILED' });
    expect(h.budget.usage(SESSION)).toMatchObject({ spent: 0, reserved: 0 });
  });

  it('the chain verifies after a mixed run', async () => {
    h = await makeHarness();
    h.answer = () => ({ decision: 'allow_once' });
    await h.interceptor.intercept(write(h.ws), h.ctx());
    await h.interceptor.intercept({ kind: 'file_read', path: '/etc/shadow' }, h.ctx());
    await h.interceptor.intercept({ kind: 'execute_command', argv: ['sudo', 'ls'] }, h.ctx());
    const result = await h.audit.verify();
    expect(result.ok).toBe(true);
  });
});

describe('command tokens', () => {
  it('a token for the bare binary (any arguments) never authorizes; an argv-bound one does', async () => {
    h = await makeHarness();
    await h.tokens.mint({
      resources: [{ action: 'execute_command', argv: ['git'], trailing: 'any' }],
      subject: AGENT,
      auditEntryId: 'e-1' as never,
      scope: 'persistent',
    });
    h.answer = () => ({ decision: 'deny' });
    const push: SensitiveAction = { kind: 'execute_command', argv: ['git', 'log', '-1'] };
    expect((await h.interceptor.intercept(push, h.ctx())).allowed).toBe(false);
    expect(h.requests).toHaveLength(1);
    await h.tokens.mint({
      resources: [{ action: 'execute_command', argv: ['git', 'log', '*'], trailing: 'none' }],
      subject: AGENT,
      auditEntryId: 'e-2' as never,
      scope: 'persistent',
    });
    expect(await h.interceptor.intercept(push, h.ctx())).toMatchObject({
      allowed: true,
      proof: { stage: 'token' },
    });
  });
});

describe('kill switch', () => {
  it('denies every action while locked down, before any other stage, and audits it', async () => {
    let locked = true;
    h = await makeHarness({ lockedDown: () => locked });
    const read: SensitiveAction = { kind: 'file_read', path: join(h.ws, 'x') };
    const r = await h.interceptor.intercept(read, h.ctx());
    expect(r).toMatchObject({ allowed: false, stage: 'policy', code: 'POLICY_DENIED' });
    expect(h.requests).toHaveLength(0);
    expect((await entries()).at(-1)?.decision?.proof?.policyRuleId).toBe('lockdown');
    locked = false;
    expect((await h.interceptor.intercept(read, h.ctx())).allowed).toBe(true);
  });
});
