import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeKeyRing } from '@astrid/crypto';
import { LevelDatabase } from '@astrid/storage';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AuditCheckpoint, AuditLog, verifyAuditDatabase, verifyExport } from '../src/index.js';
import { appendMany, decision, type Fixture, openFixture } from './helpers.js';

let fx: Fixture | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await fx?.dispose();
  fx = undefined;
});

async function checkpointSeqs(log: AuditLog): Promise<number[]> {
  const out: number[] = [];
  for await (const cp of log.checkpoints()) out.push(cp.seq);
  return out;
}

describe('checkpoint schedule', () => {
  it('checkpoints the first entry and then every `checkpointEvery`, promising the next', async () => {
    fx = await openFixture({ checkpointEvery: 4 });
    await appendMany(fx.log, 10);
    const cps: AuditCheckpoint[] = [];
    for await (const cp of fx.log.checkpoints()) cps.push(cp);
    expect(cps.map((c) => [c.seq, c.next])).toEqual([
      [0, 4],
      [4, 8],
      [8, 12],
    ]);
    expect(cps[1]?.hash).toBe((await fx.log.get(4))?.hash);
    expect(cps[0]?.keyId).toBe(fx.signer.keyId);
  });

  it('checkpoints inside one group-committed batch that spans several windows', async () => {
    fx = await openFixture({ checkpointEvery: 4 });
    await Promise.all(Array.from({ length: 18 }, (_, i) => fx?.log.append(decision(i))));
    expect(await checkpointSeqs(fx.log)).toEqual([0, 4, 8, 12, 16]);
    expect((await fx.log.verify()).ok).toBe(true);
  });

  it('checkpoints after `checkpointSeconds` when entries arrived, and not when none did', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    fx = await openFixture({ checkpointEvery: 1000, checkpointSeconds: 5 });
    await appendMany(fx.log, 3);
    expect(await checkpointSeqs(fx.log)).toEqual([0]);
    // The writer issues its batch within a microtask of the timer firing; the batch counter
    // shows it without waiting on the clock.
    vi.advanceTimersByTime(4999);
    await Promise.resolve();
    expect(fx.faulty.batches).toBe(3);
    vi.advanceTimersByTime(1);
    await Promise.resolve();
    expect(fx.faulty.batches).toBe(4);
    await fx.log.checkpoint(); // waits for the timer's batch; the head is already covered
    expect(await checkpointSeqs(fx.log)).toEqual([0, 2]);
    vi.advanceTimersByTime(20_000);
    await Promise.resolve();
    expect(fx.faulty.batches).toBe(4);
    expect(await checkpointSeqs(fx.log)).toEqual([0, 2]);
  });

  it('checkpoints the head at close, once', async () => {
    fx = await openFixture({ checkpointEvery: 100 });
    await appendMany(fx.log, 7);
    expect(await checkpointSeqs(fx.log)).toEqual([0]);
    const log = await fx.reopen();
    expect(await checkpointSeqs(log)).toEqual([0, 6]);
    expect(log.checkpointHead?.seq).toBe(6);
    const again = await fx.reopen();
    expect(await checkpointSeqs(again)).toEqual([0, 6]);
  });

  it('checkpoints on demand with checkpoint(), and returns null for an empty log', async () => {
    fx = await openFixture({ checkpointEvery: 100 });
    expect(await fx.log.checkpoint()).toBeNull();
    await appendMany(fx.log, 3);
    const cp = await fx.log.checkpoint();
    expect(cp).toMatchObject({ seq: 2, next: 102, hash: fx.log.head?.hash });
    expect(await fx.log.checkpoint()).toEqual(cp);
  });
});

describe('key rotation', () => {
  it('verifies checkpoints signed before and after a rotation with the key history', async () => {
    const home = await mkdtemp(join(tmpdir(), 'astrid-'));
    try {
      const ring = await RuntimeKeyRing.openOrCreate(join(home, 'keys'));
      const db = await LevelDatabase.open(home);
      const log = await AuditLog.open({ db, signer: ring, checkpointEvery: 4, checkpointSeconds: 0 });
      await appendMany(log, 5);
      const { previous, current } = await ring.rotate();
      await log.append({
        kind: 'key_rotated',
        principal: 'runtime',
        details: { previousKeyId: previous, currentKeyId: current },
      });
      await appendMany(log, 4);
      await log.close();
      const keys: string[] = [];
      for await (const cp of log.checkpoints()) keys.push(cp.keyId);
      expect(keys).toEqual([previous, previous, current, current]);
      const rotated = await log.get(5);
      expect(rotated?.details).toEqual({ previousKeyId: previous, currentKeyId: current });
      expect(await log.verify()).toMatchObject({ ok: true, checkpoints: 4 });
      let text = '';
      for await (const line of log.exportJsonl()) text += line;
      expect(verifyExport(text, ring.history()).ok).toBe(true);
      // Without the archived key, what it signed no longer verifies.
      const onlyCurrent = ring.history().filter((r) => r.keyId === current);
      const result = await verifyAuditDatabase(db, { keyHistory: onlyCurrent });
      expect(result.damage).toMatchObject({ kind: 'checkpoint_invalid', seq: 0 });
      expect(verifyExport(text, onlyCurrent).damage).toMatchObject({ kind: 'checkpoint_invalid', seq: 0 });
      await db.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
