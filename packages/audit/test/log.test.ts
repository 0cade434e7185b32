import { AstridError } from '@astrid/core';
import { blake3Hex, canonicalJson } from '@astrid/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_STORE_NAMES, type AuditEntry, AuditLog, GENESIS_HASH, verifyExport } from '../src/index.js';
import { appendMany, decision, type Fixture, openFixture, rawDatabaseBytes, T0 } from './helpers.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await openFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** The hash an independent reader computes: BLAKE3 of canonical JSON of the entry without hash. */
function recomputedHash(entry: AuditEntry): string {
  const { hash: _hash, ...rest } = entry;
  return blake3Hex(canonicalJson(rest));
}

describe('AuditLog.append', () => {
  it('chains entries from seq 0 with hash = BLAKE3(canonical JSON without hash)', async () => {
    const a = await fx.log.append(decision(0));
    fx.clock.t += 5;
    const b = await fx.log.append({ kind: 'session_ended', principal: 'user:alice', sessionId: 'sess-0' });
    expect(a.seq).toBe(0);
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(a.timestamp).toBe(T0);
    expect(a.id).toMatch(/^aud_[a-z2-7]{26}$/);
    expect(b.seq).toBe(1);
    expect(b.prevHash).toBe(a.hash);
    expect(b.timestamp).toBe(T0 + 5);
    expect(a.hash).toBe(recomputedHash(a));
    expect(b.hash).toBe(recomputedHash(b));
    expect(fx.log.head).toEqual({ seq: 1, hash: b.hash });
  });

  it('returns what it stored, and stores the canonical text that the hash covers', async () => {
    const entry = await fx.log.append({
      ...decision(3),
      decision: {
        verdict: 'allow',
        reason: 'approved by the operator',
        risk: 'high',
        proof: {
          policyRuleId: 'rule-7',
          tokenId: 'tok_1',
          approval: {
            approvalId: 'apr_1',
            approvedBy: 'user:alice',
            frontend: 'telegram',
            answer: 'allow_once',
          },
          allowanceId: 'alw_2',
          budget: { costMicros: 250_000, spentMicros: 3_500_000, limitMicros: 10_000_000 },
        },
      },
      outcome: { status: 'failure', error: 'exit status 2', exitCode: 2, durationMs: 41 },
      details: { note: 'x', nested: { list: [1, 'two', null, true] } },
    });
    expect(await fx.log.get(entry.seq)).toEqual(entry);
    const stored = await fx.db
      .store<{ hash: string; body: string }>(AUDIT_STORE_NAMES.entries)
      .get('0000000000000000');
    const { hash: _hash, ...rest } = entry;
    expect(stored?.body).toBe(canonicalJson(rest));
    expect(stored?.hash).toBe(entry.hash);
    expect(entry.decision?.proof?.approval).toEqual({
      approvalId: 'apr_1',
      approvedBy: 'user:alice',
      frontend: 'telegram',
      answer: 'allow_once',
    });
  });

  it('stores tool output as its BLAKE3 hash and length only, never the body', async () => {
    const body = 'OUTPUT-BODY-MARKER-7f3a: the contents of /etc/hosts ...';
    const fromText = await fx.log.append({ kind: 'result', principal: 'agent-1', output: body });
    const bytes = new TextEncoder().encode(body);
    const fromBytes = await fx.log.append({ kind: 'result', principal: 'agent-1', output: bytes });
    const digest = { hash: blake3Hex(bytes), length: bytes.length };
    const fromDigest = await fx.log.append({ kind: 'result', principal: 'agent-1', output: digest });
    for (const e of [fromText, fromBytes, fromDigest]) expect(e.output).toEqual(digest);
    await fx.log.close();
    const raw = await rawDatabaseBytes(fx.home);
    expect(raw.includes(Buffer.from('OUTPUT-BODY-MARKER-7f3a'))).toBe(false);
    expect(raw.includes(Buffer.from(digest.hash))).toBe(true);
  });

  it('redacts secrets before they reach the disk', async () => {
    const secret = 'sk-ant-api03-Zq8vR2mXk4LpW9sT7yB1nC6dF0gH3jK5';
    await fx.log.append({
      kind: 'decision',
      principal: 'agent-1',
      action: {
        kind: 'execute_command',
        argv: ['curl', '-H', `Authorization: Bearer ${secret}`, 'https://api.example.com/CONTROL-MARKER'],
      },
      details: { apiKey: 'hunter2-plain-password', headers: { Cookie: 'session=abcdef' } },
      outcome: { status: 'failure', error: `request failed with key ${secret}` },
    });
    await fx.log.close();
    const raw = await rawDatabaseBytes(fx.home);
    // The control proves the grep sees entry text at rest (the write-ahead log is not compressed).
    expect(raw.includes(Buffer.from('CONTROL-MARKER'))).toBe(true);
    for (const leaked of [secret, 'Zq8vR2mXk4LpW9sT7yB1', 'hunter2-plain-password', 'session=abcdef']) {
      expect(raw.includes(Buffer.from(leaked))).toBe(false);
    }
  });

  it('rejects bad input with errors naming the field, without touching the chain', async () => {
    const bad: unknown[] = [
      { ...decision(0), kind: 'unknown_kind' },
      { ...decision(0), principal: 'has spaces' },
      { ...decision(0), sessionId: '../etc' },
      { ...decision(0), decision: { verdict: 'maybe' } },
      { ...decision(0), decision: { verdict: 'allow', proof: { budget: { costMicros: 0.5 } } } },
      { ...decision(0), outcome: { status: 'fine' } },
      { ...decision(0), output: { hash: 'abc', length: 1 } },
      { ...decision(0), details: { when: new Date() } },
    ];
    for (const input of bad) {
      await expect(fx.log.append(input as never)).rejects.toThrow();
    }
    await expect(fx.log.append({ ...decision(0), kind: 'nope' as never })).rejects.toThrow(RangeError);
    await expect(fx.log.append({ ...decision(0), output: 5 as never })).rejects.toThrow(/"output"/);
    expect(fx.log.head).toBeNull();
    expect((await fx.log.append(decision(1))).seq).toBe(0);
  });

  it('rejects appends after close with AUDIT_APPEND_FAILED', async () => {
    await fx.log.append(decision(0));
    await fx.log.close();
    const err = await fx.log.append(decision(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AstridError);
    expect((err as AstridError).code).toBe('AUDIT_APPEND_FAILED');
  });

  it('offers no way to delete or rewrite entries', () => {
    const names = Object.getOwnPropertyNames(AuditLog.prototype);
    expect(
      names.filter((n) => /del|remove|clear|truncate|rewrite|update|put|prune|compact/i.test(n)),
    ).toEqual([]);
  });
});

describe('AuditLog recovery and reads', () => {
  it('verifies and exports an empty log', async () => {
    expect(await fx.log.verify()).toMatchObject({ ok: true, entries: 0, checkpoints: 0, head: null });
    let text = '';
    for await (const line of fx.log.exportJsonl()) text += line;
    expect(verifyExport(text, fx.signer.history())).toMatchObject({ ok: true, entries: 0 });
  });

  it('recovers its head on reopen and continues the same chain', async () => {
    await appendMany(fx.log, 5);
    const head = fx.log.head;
    const log = await fx.reopen();
    expect(log.head).toEqual(head);
    const next = await log.append(decision(5));
    expect(next.seq).toBe(5);
    expect(next.prevHash).toBe(head?.hash);
    expect((await log.verify()).ok).toBe(true);
  });

  it('reads by seq range, session and kind, forwards and backwards', async () => {
    await appendMany(fx.log, 6);
    await fx.log.append({ kind: 'session_deleted', principal: 'user:alice', sessionId: 'sess-1' });
    const seqs = async (q: Parameters<AuditLog['read']>[0]) => {
      const out: number[] = [];
      for await (const e of fx.log.read(q)) out.push(e.seq);
      return out;
    };
    expect(await seqs({})).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await seqs({ fromSeq: 2, toSeq: 4 })).toEqual([2, 3, 4]);
    expect(await seqs({ reverse: true, limit: 2 })).toEqual([6, 5]);
    expect(await seqs({ sessionId: 'sess-1' })).toEqual([1, 3, 5, 6]);
    expect(await seqs({ sessionId: 'sess-1', kind: 'decision' })).toEqual([1, 3, 5]);
    expect(await seqs({ kind: 'session_deleted' })).toEqual([6]);
    expect(await seqs({ kind: 'decision', fromSeq: 4, reverse: true })).toEqual([5, 4]);
    expect(await seqs({ sessionId: 'sess-9' })).toEqual([]);
  });

  it("keeps a deleted session's entries: deletion is itself an entry", async () => {
    await appendMany(fx.log, 4);
    await fx.log.append({ kind: 'session_deleted', principal: 'user:alice', sessionId: 'sess-0' });
    const kinds: string[] = [];
    for await (const e of fx.log.read({ sessionId: 'sess-0' })) kinds.push(e.kind);
    expect(kinds).toEqual(['decision', 'decision', 'session_deleted']);
  });
});

describe('append after a precondition', () => {
  function deferred() {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  it('prepares at once (the time of the call), writes only once it settles', async () => {
    const gate = deferred();
    const pending = fx.log.append(decision(0), { after: gate.promise });
    fx.clock.t = T0 + 5_000;
    await fx.log.append(decision(1)); // written meanwhile: the held entry is not in the chain yet
    expect(fx.log.head?.seq).toBe(0);
    gate.resolve();
    const entry = await pending;
    expect(entry).toMatchObject({ seq: 1, timestamp: T0 });
    expect((await fx.log.verify()).ok).toBe(true);
  });

  it('that rejects: the append rejects with its error and nothing is written', async () => {
    const gate = deferred();
    const pending = fx.log.append(decision(0), { after: gate.promise });
    gate.reject(new Error('injected: the caller failed'));
    await expect(pending).rejects.toThrow('injected: the caller failed');
    expect(fx.log.head).toBeNull();
    expect((await fx.log.append(decision(1))).seq).toBe(0);
  });

  it('the log closed while it waited: AUDIT_APPEND_FAILED, nothing written', async () => {
    const gate = deferred();
    const pending = fx.log.append(decision(0), { after: gate.promise });
    await fx.log.close();
    gate.resolve();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AstridError);
    expect((err as AstridError).code).toBe('AUDIT_APPEND_FAILED');
    expect(fx.log.head).toBeNull();
  });
});
