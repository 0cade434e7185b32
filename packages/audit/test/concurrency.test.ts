import { AstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditEntry, GENESIS_HASH } from '../src/index.js';
import { decision, type Fixture, openFixture } from './helpers.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await openFixture();
});
afterEach(async () => {
  await fx.dispose();
});

describe('group commit', () => {
  it('turns 1,000 concurrent appends into one valid chain 0..999 in fewer batches', async () => {
    const entries = await Promise.all(Array.from({ length: 1000 }, (_, i) => fx.log.append(decision(i, 7))));
    // Seqs follow call order, and each entry links to the one before it.
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(entries[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prevHash).toBe(entries[i - 1]?.hash);
    expect(entries.map((e) => e.action?.params)).toEqual(
      entries.map((_, i) => ({ argv: ['echo', String(i)], cwd: '/ws' })),
    );
    expect(fx.faulty.batches).toBeLessThan(1000);
    // Appends made in one synchronous run share the first batch.
    expect(fx.faulty.batches).toBe(1);
    const result = await fx.log.verify({ indexes: true });
    expect(result).toMatchObject({ ok: true, entries: 1000 });
    expect(result.head).toEqual({ seq: 999, hash: entries[999]?.hash });
  });

  it('lets 64 concurrent writers share batches in a steady loop', async () => {
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; i < 10; i++) await fx.log.append(decision(w * 10 + i));
      }),
    );
    expect(fx.log.head?.seq).toBe(639);
    // Without sharing this would be 640 batches (one fsync each); with it, one per round.
    expect(fx.faulty.batches).toBe(10);
    expect((await fx.log.verify()).ok).toBe(true);
  });

  it('queues appends that arrive while a batch is being written, and writes them all in the next', async () => {
    let open = (): void => undefined;
    fx.faulty.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const first = fx.log.append(decision(0));
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is now in flight, held
    const rest = Array.from({ length: 10 }, (_, i) => fx.log.append(decision(i + 1)));
    expect(fx.faulty.entriesPerBatch).toEqual([1]);
    open();
    fx.faulty.gate = undefined;
    const entries = [await first, ...(await Promise.all(rest))];
    expect(fx.faulty.entriesPerBatch).toEqual([1, 10]);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect((await fx.log.verify()).ok).toBe(true);
  });

  it('writes one batch per append when appends come one at a time', async () => {
    for (let i = 0; i < 5; i++) await fx.log.append(decision(i));
    expect(fx.faulty.batches).toBe(5);
  });
});

describe('storage faults', () => {
  it('rejects with AUDIT_APPEND_FAILED, keeps the head, and the next append extends a valid chain', async () => {
    const first = await fx.log.append(decision(0));
    fx.faulty.failing = true;
    const err = await fx.log.append(decision(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AstridError);
    expect((err as AstridError).code).toBe('AUDIT_APPEND_FAILED');
    expect((err as AstridError).cause).toMatchObject({ code: 'STORAGE_FAILURE' });
    expect(fx.log.head).toEqual({ seq: 0, hash: first.hash });
    fx.faulty.failing = false;
    const next = await fx.log.append(decision(2));
    expect(next.seq).toBe(1);
    expect(next.prevHash).toBe(first.hash);
    expect((await fx.log.verify({ indexes: true })).ok).toBe(true);
    // The failed entry is nowhere, not even after a reopen.
    const log = await fx.reopen();
    const params: unknown[] = [];
    for await (const e of log.read()) params.push(e.action?.params);
    expect(params).toEqual([
      { argv: ['echo', '0'], cwd: '/ws' },
      { argv: ['echo', '2'], cwd: '/ws' },
    ]);
    expect((await log.verify()).ok).toBe(true);
  });

  it('fails every append of a failed group commit, then recovers', async () => {
    await fx.log.append(decision(0));
    fx.faulty.failing = true;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => fx.log.append(decision(i))),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    fx.faulty.failing = false;
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => fx.log.append(decision(i))));
    expect(after.map((e: AuditEntry) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await fx.log.verify()).ok).toBe(true);
  });

  it('fails closed when the checkpoint signer throws', async () => {
    const log = await fx.reopen({
      signer: {
        keyId: fx.signer.keyId,
        sign: () => {
          throw new Error('hardware key unplugged');
        },
      },
      keyHistory: () => fx.signer.history(),
    });
    await expect(log.append(decision(0))).rejects.toMatchObject({ code: 'AUDIT_APPEND_FAILED' });
    expect(log.head).toBeNull();
  });
});
