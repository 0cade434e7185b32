// Storage benchmarks: our stores against raw `level` calls on the same disk in the same
// run, with the same durability (every write fsynced).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { report } from '@astrid/benchkit';
import { Level } from 'level';
import { LevelDatabase, sortableNumberKey } from '../src/index.js';

// classic-level honours `sync` at run time; level's typings for put/batch options omit it.
interface RawWrites {
  put(key: string, value: unknown, options: { sync: boolean }): Promise<void>;
  batch(
    ops: readonly { type: 'put'; key: string; value: unknown }[],
    options: { sync: boolean },
  ): Promise<void>;
}

// About the size and shape of an audit entry.
const value = {
  seq: 0,
  id: 'aud_4q2k7x3mzq5b2c6d7e8f9g0h1j',
  timestamp: 1_760_000_000_000,
  session: 'ses_abc123',
  principal: 'user',
  kind: 'decision',
  action: { kind: 'file_write', path: '/home/me/project/src/index.ts', bytes: 2048 },
  decision: { outcome: 'allow', rule: 'workspace.write', token: null },
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
};
const BATCH = 64;

/**
 * Median microseconds per call of `ours` and of `floor`, calls alternating one by one (and
 * which goes first alternating too), so that the fsync latency of a shared disk, which
 * drifts and spikes, weighs on both alike. The median ignores the spikes.
 */
async function alternating(
  ours: () => Promise<unknown>,
  floor: () => Promise<unknown>,
  calls: number,
): Promise<{ value: number; floor: number }> {
  const timed = async (fn: () => Promise<unknown>) => {
    const start = performance.now();
    await fn();
    return (performance.now() - start) * 1000;
  };
  for (let i = 0; i < 20; i++) {
    await ours();
    await floor();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < calls; i++) {
    if (i % 2 === 0) {
      a.push(await timed(ours));
      b.push(await timed(floor));
    } else {
      b.push(await timed(floor));
      a.push(await timed(ours));
    }
  }
  return { value: median(a), floor: median(b) };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const base = await mkdtemp(join(tmpdir(), 'astrid-bench-'));
const db = await LevelDatabase.open(join(base, 'home'));
const raw = new Level<string, unknown>(join(base, 'raw'), { valueEncoding: 'json' });
await raw.open();
const rawWrites = raw as unknown as RawWrites;
try {
  const entries = db.store<typeof value>('entries');
  const index = db.store<string>('by-session');
  let n = 0;
  let r = 0;

  const put = await alternating(
    () => entries.put(sortableNumberKey(n++), value, { sync: true }),
    () => rawWrites.put(sortableNumberKey(r++), value, { sync: true }),
    1000,
  );
  report({ name: 'storage-put-synced', value: put.value, unit: 'us', floor: put.floor });

  // A batch as the audit log writes it: an entry and an index row each, 64 pairs, one fsync.
  const ours = () => {
    const ops = [];
    for (let i = 0; i < BATCH / 2; i++) {
      const key = sortableNumberKey(n++);
      ops.push(entries.putOp(key, value), index.putOp(`ses_abc123/${key}`, key));
    }
    return db.batch(ops, { sync: true });
  };
  const direct = () => {
    const ops: { type: 'put'; key: string; value: unknown }[] = [];
    for (let i = 0; i < BATCH / 2; i++) {
      const key = sortableNumberKey(r++);
      ops.push(
        { type: 'put', key: `e!${key}`, value },
        { type: 'put', key: `s!ses_abc123/${key}`, value: key },
      );
    }
    return rawWrites.batch(ops, { sync: true });
  };
  const batch = await alternating(ours, direct, 300);
  report({ name: 'storage-batch-synced', value: batch.value, unit: 'us', floor: batch.floor });
} finally {
  await db.close();
  await raw.close();
  await rm(base, { recursive: true, force: true });
}
