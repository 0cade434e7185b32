import type { PublicKeyRecord } from '@astrid/crypto';
import type { Database, RangeOptions } from '@astrid/storage';
import { ChainVerifier } from './chain-verifier.js';
import { type AuditCheckpoint, AuditCheckpointSchema } from './checkpoint.js';
import { isStoredEntry } from './entry-codec.js';
import { type AuditStores, auditStores, seqKey, seqOfKey } from './stores.js';
import { checkIndexes, IndexCollector } from './verify-indexes.js';
import { scanInParallel } from './verify-parallel.js';
import type { AuditVerifyResult } from './verify-result.js';

/** Options of {@link verifyAuditDatabase}. */
export interface VerifyAuditOptions {
  /** Public keys (current and archived) that checkpoints may be signed with. */
  readonly keyHistory: readonly PublicKeyRecord[];
  /** Verify entries and checkpoints up to this seq (a live log passes its head, so appends
   * made during the walk are not mistaken for damage). Default: everything stored. */
  readonly upToSeq?: number;
  /** Also check each entry's schema and canonical form (slower; exports are always checked so). */
  readonly deep?: boolean;
  /** Also check the session and kind indexes against the entries. */
  readonly indexes?: boolean;
}

/**
 * Recomputes the whole chain stored in `db`: every entry's hash over its stored bytes, every
 * link, every checkpoint's signature (with the key history, so keys rotated out still
 * verify) and position. Works without an open {@link AuditLog}, so a log that refuses to open
 * can still be examined. Reports the first damaged seq and the kind of damage.
 */
export async function verifyAuditDatabase(
  db: Database,
  options: VerifyAuditOptions,
): Promise<AuditVerifyResult> {
  const stores = auditStores(db);
  const upTo = options.upToSeq;
  // A live empty log passes -1: nothing is in range then.
  const range: RangeOptions = upTo === undefined ? {} : upTo < 0 ? { lt: seqKey(0) } : { lte: seqKey(upTo) };
  // Checkpoints are read first: each names an entry committed before it, which the entry
  // walk below (a later snapshot) is then sure to see.
  const checkpoints: AuditCheckpoint[] = [];
  const badCheckpoints: { seq: number; message: string }[] = [];
  for await (const [key, value] of stores.checkpoints.entries(range)) {
    const parsed = AuditCheckpointSchema.safeParse(value);
    const keySeq = seqOfKey(key) ?? -1;
    if (!parsed.success) badCheckpoints.push({ seq: keySeq, message: `checkpoint ${key} is malformed` });
    else if (parsed.data.seq !== keySeq)
      badCheckpoints.push({ seq: keySeq, message: `checkpoint ${key} names entry ${parsed.data.seq}` });
    else checkpoints.push(parsed.data);
  }
  if (options.deep !== true && options.indexes !== true) {
    const lastSeq = options.upToSeq ?? (await lastStoredSeq(stores));
    if (lastSeq !== undefined && lastSeq >= 0) {
      const signed = new Map(checkpoints.map((cp) => [cp.seq, cp.hash]));
      const scan = await scanInParallel(stores.entries, lastSeq, options.upToSeq !== undefined, signed);
      if (scan.intact) {
        const verifier = new ChainVerifier(checkpoints, options.keyHistory);
        for (const bad of badCheckpoints) verifier.report('checkpoint_invalid', bad.seq, bad.message);
        verifier.acceptIntact(scan.count, scan.lastSeq, scan.lastHash);
        for (const seq of scan.checkpointMismatches) {
          verifier.report('checkpoint_invalid', seq, `entry ${seq} differs from its signed checkpoint`);
        }
        return verifier.finish();
      }
    }
  }
  // The in-order walk: for deep or index checks, and to name the damage the fast path saw.
  const verifier = new ChainVerifier(checkpoints, options.keyHistory, {
    ...(options.deep === undefined ? {} : { deep: options.deep }),
    keySeq: seqOfKey,
  });
  for (const bad of badCheckpoints) verifier.report('checkpoint_invalid', bad.seq, bad.message);
  const collector = options.indexes === true ? new IndexCollector() : undefined;
  for await (const [key, value] of stores.entries.entries(range)) {
    if (!isStoredEntry(value)) {
      verifier.report('malformed', seqOfKey(key) ?? verifier.nextSeq, `entry ${key} is not a stored entry`);
      continue;
    }
    verifier.push(value.hash, value.body, key);
    collector?.add(value.body);
  }
  if (collector !== undefined) {
    for (const issue of await checkIndexes(stores, collector, options.upToSeq))
      verifier.report('index_mismatch', issue.seq, issue.message);
  }
  return verifier.finish();
}

/** The seq of the last stored entry, from its key; undefined when empty or not a seq key. */
async function lastStoredSeq(stores: AuditStores): Promise<number | undefined> {
  for await (const [key] of stores.entries.entries({ reverse: true, limit: 1 })) return seqOfKey(key);
  return undefined;
}
