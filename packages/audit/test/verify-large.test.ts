import type { Store } from '@astrid/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_STORE_NAMES, verifyAuditDatabase } from '../src/index.js';
import { decision, type Fixture, openFixture } from './helpers.js';

// Large enough for the parallel fast path to cut the log into ranges (boundary at 6000).
const N = 12_000;
let fx: Fixture;
let entries: Store<{ hash: string; body: string }>;
beforeAll(async () => {
  fx = await openFixture();
  for (let i = 0; i < N; i += 1000) {
    await Promise.all(Array.from({ length: 1000 }, (_, j) => fx.log.append(decision(i + j))));
  }
  entries = fx.db.store(AUDIT_STORE_NAMES.entries);
});
afterAll(async () => {
  await fx.dispose();
});

const key = (seq: number) => String(seq).padStart(16, '0');
const verify = (deep = false) => verifyAuditDatabase(fx.db, { keyHistory: fx.signer.history(), deep });

describe('verification of a log read in parallel ranges', () => {
  it('passes an intact log, as the in-order walk does', async () => {
    const fast = await verify();
    expect(fast).toMatchObject({ ok: true, entries: N, checkpoints: Math.ceil(N / 256) });
    expect(fast.head).toEqual(fx.log.head);
    expect(await verify(true)).toEqual(fast);
  });

  it('names damage at a range boundary exactly as the in-order walk does', async () => {
    const [a, b] = [await entries.get(key(5999)), await entries.get(key(6000))];
    if (a === undefined || b === undefined) throw new Error('missing entries');
    await entries.del(key(6000));
    expect((await verify()).damage).toMatchObject({ kind: 'deleted', seq: 6000 });
    await entries.put(key(6000), a);
    await entries.put(key(5999), b);
    const swapped = await verify();
    expect(swapped.damage).toMatchObject({ kind: 'reordered', seq: 5999 });
    expect(await verify(true)).toEqual(swapped);
    await entries.put(key(5999), a);
    await entries.put(key(6000), b);
    expect((await verify()).ok).toBe(true);
  });

  it('reports a signed checkpoint that an intact-looking range contradicts', async () => {
    const checkpoints = fx.db.store<{ hash: string }>(AUDIT_STORE_NAMES.checkpoints);
    const cp = await checkpoints.get(key(7680));
    if (cp === undefined) throw new Error('no checkpoint at 7680');
    await checkpoints.put(key(7680), { ...cp, hash: 'f'.repeat(64) });
    const result = await verify();
    expect(result.damage).toMatchObject({ kind: 'checkpoint_invalid', seq: 7680 });
    await checkpoints.put(key(7680), cp);
  });
});
