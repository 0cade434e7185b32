import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake3Hex, createSigner, generateKeyPair, keyIdOf, toHex } from '@astrid/crypto';
import { type BatchOperation, LevelDatabase, sortableNumberKey } from '@astrid/storage';
import { AUDIT_STORE_NAMES, type AuditAppendInput, AuditLog } from '../src/index.js';

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
const pair = generateKeyPair();
const keyId = keyIdOf(pair.publicKey);
const signWith = createSigner(pair.secretKey);
const signer = {
  keyId,
  sign: (m: Uint8Array) => ({ keyId, signature: signWith(m) }),
  history: () => [{ keyId, publicKey: toHex(pair.publicKey), createdAt: 0, retiredAt: null }],
};
const home = await mkdtemp(join(tmpdir(), 'astrid-x-'));
const db = await LevelDatabase.open(home);
// wrap batch to time it
const times: number[] = [];
const sizes: number[] = [];
const orig = db.batch.bind(db);
(db as unknown as { batch: typeof db.batch }).batch = async (ops, o) => {
  const t = performance.now();
  await orig(ops, o);
  times.push(performance.now() - t);
  sizes.push(ops.length);
};
const log = await AuditLog.open({ db, signer, checkpointSeconds: 0 });
const e = await log.append(DECISION);
const record = await db.store(AUDIT_STORE_NAMES.entries).get(sortableNumberKey(e.seq));
const fe = db.store<unknown>('bench-floor'),
  fk = db.store<number>('bench-floor-kind'),
  fs = db.store<number>('bench-floor-session');
let k = 0;
for (let round = 0; round < 20; round++) {
  times.length = 0;
  sizes.length = 0;
  let t = performance.now();
  for (let b = 0; b < 6; b++) {
    const ops: BatchOperation[] = [];
    for (let w = 0; w < 64; w++, k++) {
      const key = sortableNumberKey(k);
      ops.push(fe.putOp(key, record), fk.putOp(`decision/${key}`, k), fs.putOp(`sess-bench/${key}`, k));
    }
    await db.batch(ops, { sync: true });
  }
  const floorMs = performance.now() - t;
  const floorBatch = [...times];
  times.length = 0;
  sizes.length = 0;
  t = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (let i = 0; i < 6; i++) await log.append(DECISION);
    }),
  );
  const logMs = performance.now() - t;
  if (round % 4 === 3)
    console.log(
      `floor ${floorMs.toFixed(2)}ms batches ${floorBatch.map((x) => x.toFixed(2)).join(',')} | log ${logMs.toFixed(2)}ms batches ${times.map((x) => x.toFixed(2)).join(',')} sizes ${sizes.join(',')}`,
    );
}
await log.close();
await db.close();
