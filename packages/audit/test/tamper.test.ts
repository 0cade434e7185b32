import { blake3Hex, canonicalJson } from '@astrid/crypto';
import type { Store } from '@astrid/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_STORE_NAMES,
  type AuditCheckpoint,
  checkpointMessage,
  verifyAuditDatabase,
} from '../src/index.js';
import { appendMany, type Fixture, memorySigner, openFixture } from './helpers.js';

// Ten entries (seq 0..9), a checkpoint at least every 4: checkpoints at 0, 4 and 8.
let fx: Fixture;
let entries: Store<{ hash: string; body: string }>;
let checkpoints: Store<AuditCheckpoint>;
beforeEach(async () => {
  fx = await openFixture({ checkpointEvery: 4 });
  await appendMany(fx.log, 10);
  entries = fx.db.store(AUDIT_STORE_NAMES.entries);
  checkpoints = fx.db.store(AUDIT_STORE_NAMES.checkpoints);
});
afterEach(async () => {
  await fx.dispose();
});

const key = (seq: number) => String(seq).padStart(16, '0');
const verify = (options: { indexes?: boolean; deep?: boolean } = {}) =>
  verifyAuditDatabase(fx.db, { keyHistory: fx.signer.history(), ...options });

async function stored(seq: number): Promise<{ hash: string; body: string }> {
  const value = await entries.get(key(seq));
  if (value === undefined) throw new Error(`no entry ${seq}`);
  return value;
}

/** Rewrites the chain from `seq` on consistently (new hashes, new links): what a forger without the key can do. */
async function rewriteFrom(seq: number, edit: (entry: Record<string, unknown>) => void): Promise<void> {
  let prev = seq === 0 ? '0'.repeat(64) : (await stored(seq - 1)).hash;
  for (let s = seq; ; s++) {
    const value = await entries.get(key(s));
    if (value === undefined) return;
    const entry = JSON.parse(value.body) as Record<string, unknown>;
    if (s === seq) edit(entry);
    entry.prevHash = prev;
    const body = canonicalJson(entry);
    prev = blake3Hex(body);
    await entries.put(key(s), { hash: prev, body });
  }
}

const flipVerdict = (e: Record<string, unknown>) => {
  (e.decision as { verdict: string }).verdict = 'deny';
};

describe('verify on an intact log', () => {
  it('passes, with the head and checkpoint count', async () => {
    const result = await verify({ indexes: true, deep: true });
    expect(result).toMatchObject({ ok: true, entries: 10, checkpoints: 3, damage: null, issues: [] });
    expect(result.head).toEqual(fx.log.head);
  });
});

describe('verify names each kind of damage and the first bad seq', () => {
  it('edited: a field changed in place', async () => {
    const value = await stored(5);
    await entries.put(key(5), {
      ...value,
      body: value.body.replace('"verdict":"allow"', '"verdict":"deny"'),
    });
    expect((await verify()).damage).toMatchObject({ kind: 'edited', seq: 5 });
  });

  it("edited: a field changed and that entry's hash recomputed", async () => {
    const value = await stored(5);
    const body = value.body.replace('"verdict":"allow"', '"verdict":"deny"');
    await entries.put(key(5), { hash: blake3Hex(body), body });
    expect((await verify()).damage).toMatchObject({ kind: 'edited', seq: 5 });
  });

  it('deleted: an entry removed from the middle', async () => {
    await entries.del(key(5));
    expect((await verify()).damage).toMatchObject({ kind: 'deleted', seq: 5 });
  });

  it('reordered: two entries swapped', async () => {
    const [three, six] = [await stored(3), await stored(6)];
    await entries.put(key(3), six);
    await entries.put(key(6), three);
    expect((await verify()).damage).toMatchObject({ kind: 'reordered', seq: 3 });
  });

  it('inserted: a forged entry spliced in, later entries shifted', async () => {
    for (let s = 9; s >= 5; s--) await entries.put(key(s + 1), await stored(s));
    const original = JSON.parse((await stored(5)).body) as Record<string, unknown>;
    flipVerdict(original);
    const body = canonicalJson(original); // same seq 5, prevHash = hash of 4: it links
    await entries.put(key(5), { hash: blake3Hex(body), body });
    expect((await verify()).damage).toMatchObject({ kind: 'inserted', seq: 5 });
  });

  it('truncated: entries removed after a checkpoint', async () => {
    for (let s = 6; s <= 9; s++) await entries.del(key(s));
    const result = await verify();
    expect(result.damage).toMatchObject({ kind: 'truncated', seq: 6 });
  });

  it('checkpoint_invalid: the whole chain rewritten consistently without the key', async () => {
    await rewriteFrom(2, flipVerdict);
    const result = await verify();
    // Every hash and link is consistent again; only the signed checkpoint at 4 disagrees.
    expect(result.issues.map((i) => i.kind)).toEqual(['checkpoint_invalid', 'checkpoint_invalid']);
    expect(result.damage).toMatchObject({ kind: 'checkpoint_invalid', seq: 4 });
  });

  it('checkpoint_invalid: checkpoints re-signed with a key not in the history', async () => {
    await rewriteFrom(0, flipVerdict);
    const forger = memorySigner();
    for await (const [k, cp] of checkpoints.entries()) {
      const hash = (await stored(cp.seq)).hash;
      const { signature } = forger.sign(checkpointMessage(cp.seq, hash, cp.next, cp.timestamp));
      await checkpoints.put(k, {
        ...cp,
        hash,
        keyId: forger.keyId,
        signature: Buffer.from(signature).toString('hex'),
      });
    }
    expect((await verify()).damage).toMatchObject({ kind: 'checkpoint_invalid', seq: 0 });
  });

  it('checkpoint_missing: checkpoints deleted to hide a rewrite', async () => {
    await rewriteFrom(6, flipVerdict);
    await checkpoints.del(key(8));
    expect((await verify()).damage).toMatchObject({ kind: 'checkpoint_missing', seq: 8 });
    await rewriteFrom(0, flipVerdict);
    for (const s of [0, 4]) await checkpoints.del(key(s));
    expect((await verify()).damage).toMatchObject({ kind: 'checkpoint_missing', seq: 0 });
  });

  it('index_mismatch: an index entry removed or pointing elsewhere (with indexes: true)', async () => {
    const byKind = fx.db.store<number>(AUDIT_STORE_NAMES.byKind);
    await byKind.del(`decision/${key(7)}`);
    await byKind.put(`session_ended/${key(2)}`, 2);
    expect((await verify()).ok).toBe(true);
    const result = await verify({ indexes: true });
    expect(result.issues.map((i) => [i.kind, i.seq])).toEqual([
      ['index_mismatch', 2],
      ['index_mismatch', 7],
    ]);
  });

  it('malformed: a non-canonical body (with deep: true), even inside the unsigned window', async () => {
    const value = await stored(9);
    const body = value.body.replace('"kind":"decision"', '"kind": "decision"');
    await entries.put(key(9), { hash: blake3Hex(body), body });
    expect((await verify()).ok).toBe(true);
    expect((await verify({ deep: true })).damage).toMatchObject({ kind: 'malformed', seq: 9 });
  });
});

describe('the undetectable window and the refusal to extend a damaged chain', () => {
  it('loses at most the entries after the last checkpoint without notice', async () => {
    await entries.del(key(9));
    expect((await verify()).ok).toBe(true);
    await entries.del(key(8));
    expect((await verify()).damage).toMatchObject({ kind: 'truncated', seq: 8 });
  });

  it('refuses to open a truncated log, or one whose checkpoint disagrees', async () => {
    for (let s = 6; s <= 9; s++) await entries.del(key(s));
    await expect(fx.reopen()).rejects.toMatchObject({ code: 'AUDIT_CORRUPT' });
    await fx.db.close();
    const fresh = await openFixture({ checkpointEvery: 4 });
    try {
      await appendMany(fresh.log, 5);
      const store = fresh.db.store<{ hash: string; body: string }>(AUDIT_STORE_NAMES.entries);
      const value = (await store.get(key(4))) as { hash: string; body: string };
      const body = value.body.replace('"verdict":"allow"', '"verdict":"deny"');
      await store.put(key(4), { hash: blake3Hex(body), body });
      await expect(fresh.reopen()).rejects.toMatchObject({ code: 'AUDIT_CORRUPT' });
    } finally {
      await fresh.dispose();
    }
  });
});
