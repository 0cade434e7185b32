import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { report } from '@astrid/benchkit';
import {
  blake3Hex,
  createSigner,
  generateKeyPair,
  keyIdOf,
  type PublicKeyRecord,
  toHex,
} from '@astrid/crypto';
import { type BatchOperation, LevelDatabase, sortableNumberKey } from '@astrid/storage';
import { AUDIT_STORE_NAMES, type AuditAppendInput, AuditLog } from '../src/index.js';

// One tool call writes a decision and a result entry; the workload alternates the two.
const DECISION: AuditAppendInput = {
  kind: 'decision',
  principal: 'agent-1',
  sessionId: 'sess-bench',
  action: { kind: 'execute_command', argv: ['git', 'status', '--short'], cwd: '/home/user/project' },
  decision: {
    verdict: 'allow',
    risk: 'high',
    proof: {
      policyRuleId: 'allow-git',
      tokenId: 'tok_bench',
      budget: { costMicros: 10_000, spentMicros: 1_250_000, limitMicros: 10_000_000 },
    },
  },
};
const RESULT: AuditAppendInput = {
  kind: 'result',
  principal: 'agent-1',
  sessionId: 'sess-bench',
  action: { kind: 'execute_command', argv: ['git', 'status', '--short'], cwd: '/home/user/project' },
  outcome: { status: 'success', exitCode: 0, durationMs: 12 },
  output: { hash: blake3Hex('M  src/index.ts\n'), length: 16 },
};
const input = (i: number): AuditAppendInput => (i % 2 === 0 ? DECISION : RESULT);

// Signs through @astrid/crypto's createSigner(), the path RuntimeKeyRing.sign takes, so
// checkpoint signing costs what it costs in the runtime.
function memorySigner(): {
  keyId: string;
  sign(m: Uint8Array): { keyId: string; signature: Uint8Array };
  history(): PublicKeyRecord[];
} {
  const pair = generateKeyPair();
  const keyId = keyIdOf(pair.publicKey);
  const record = { keyId, publicKey: toHex(pair.publicKey), createdAt: 0, retiredAt: null };
  const signWith = createSigner(pair.secretKey);
  return { keyId, sign: (m) => ({ keyId, signature: signWith(m) }), history: () => [record] };
}

async function withLog<T>(fn: (log: AuditLog, db: LevelDatabase) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'astrid-bench-'));
  const db = await LevelDatabase.open(home);
  const log = await AuditLog.open({ db, signer: memorySigner(), checkpointSeconds: 0 });
  try {
    return await fn(log, db);
  } finally {
    await log.close();
    await db.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** A record as the log stores it (same size), for the raw floors. */
async function sampleRecord(log: AuditLog, db: LevelDatabase): Promise<unknown> {
  const entry = await log.append(DECISION);
  return db.store(AUDIT_STORE_NAMES.entries).get(sortableNumberKey(entry.seq));
}

/** Median of a list of numbers. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

// The disk's fsync time and the load of a shared machine drift: both sides run in short
// alternating rounds, and each side's figure is the median of its rounds.

async function appendSerial(): Promise<void> {
  await withLog(async (log, db) => {
    const record = await sampleRecord(log, db);
    const floorStore = db.store<unknown>('bench-floor');
    const floorKinds = db.store<number>('bench-floor-kind');
    const floorSessions = db.store<number>('bench-floor-session');
    const rounds = 60;
    const perRound = 20;
    const logUs: number[] = [];
    const putUs: number[] = [];
    const batchUs: number[] = [];
    let k = 0;
    for (let i = 0; i < 30; i++) await log.append(input(i));
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      for (let i = 0; i < perRound; i++) await floorStore.put(sortableNumberKey(k++), record, { sync: true });
      putUs.push(((performance.now() - t) * 1000) / perRound);
      t = performance.now();
      for (let i = 0; i < perRound; i++) {
        const key = sortableNumberKey(k++);
        const ops = [
          floorStore.putOp(key, record),
          floorKinds.putOp(`decision/${key}`, k),
          floorSessions.putOp(`sess-bench/${key}`, k),
        ];
        await db.batch(ops, { sync: true });
      }
      batchUs.push(((performance.now() - t) * 1000) / perRound);
      t = performance.now();
      for (let i = 0; i < perRound; i++) await log.append(input(i));
      logUs.push(((performance.now() - t) * 1000) / perRound);
    }
    report({ name: 'audit-append-serial', value: median(logUs), unit: 'us', floor: median(putUs) });
    // The same append against the writes it makes (entry + two index entries in one synced
    // batch, prebuilt): the log's own overhead, apart from what the index writes cost.
    report({
      name: 'audit-append-serial-vs-batch',
      value: median(logUs),
      unit: 'us',
      floor: median(batchUs),
    });
  });
}

async function appendConcurrent(): Promise<void> {
  await withLog(async (log, db) => {
    const record = await sampleRecord(log, db);
    const floorEntries = db.store<unknown>('bench-floor');
    const floorKinds = db.store<number>('bench-floor-kind');
    const floorSessions = db.store<number>('bench-floor-session');
    const workers = 64;
    const perWorker = 6;
    const rounds = 48;
    const logRates: number[] = [];
    const floorRates: number[] = [];
    let k = 0;
    const n = workers * perWorker;
    for (let r = 0; r < rounds; r++) {
      // Floor: the same writes (entry + kind index + session index per entry), 64 entries per
      // synced batch, with the values already built.
      let t = performance.now();
      for (let b = 0; b < perWorker; b++) {
        const ops: BatchOperation[] = [];
        for (let w = 0; w < workers; w++, k++) {
          const key = sortableNumberKey(k);
          ops.push(
            floorEntries.putOp(key, record),
            floorKinds.putOp(`decision/${key}`, k),
            floorSessions.putOp(`sess-bench/${key}`, k),
          );
        }
        await db.batch(ops, { sync: true });
      }
      floorRates.push(n / ((performance.now() - t) / 1000));
      t = performance.now();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let i = 0; i < perWorker; i++) await log.append(input(i));
        }),
      );
      logRates.push(n / ((performance.now() - t) / 1000));
    }
    report({
      name: 'audit-append-concurrent-64',
      value: median(logRates),
      unit: 'entries/s',
      floor: median(floorRates),
    });
  });
}

async function verify(): Promise<void> {
  await withLog(async (log, db) => {
    const total = 100_000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 256 }, async () => {
        while (next < total) await log.append(input(next++));
      }),
    );
    // Floor: read every stored entry and hash its bytes, nothing else.
    const store = db.store<{ body: string }>(AUDIT_STORE_NAMES.entries);
    let floorBest = Number.POSITIVE_INFINITY;
    let verifyBest = Number.POSITIVE_INFINITY;
    let checked = 0;
    for (let r = 0; r < 3; r++) {
      let t = performance.now();
      for await (const [, value] of store.entries()) blake3Hex(value.body);
      floorBest = Math.min(floorBest, performance.now() - t);
      t = performance.now();
      const result = await log.verify();
      verifyBest = Math.min(verifyBest, performance.now() - t);
      if (!result.ok) throw new Error(`verify failed: ${JSON.stringify(result.damage)}`);
      checked = result.entries;
    }
    report({
      name: 'audit-verify',
      value: checked / (verifyBest / 1000),
      unit: 'entries/s',
      floor: checked / (floorBest / 1000),
    });
  });
}

// `pnpm bench -- verify` runs only the named figures; no argument runs all three.
const only = process.argv.slice(2);
const figures: [string, () => Promise<void>][] = [
  ['serial', appendSerial],
  ['concurrent', appendConcurrent],
  ['verify', verify],
];
for (const [name, run] of figures) if (only.length === 0 || only.includes(name)) await run();
