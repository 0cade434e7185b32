import { AstridError } from '@astrid/core';
import { type AuditCheckpoint, AuditCheckpointSchema } from './checkpoint.js';
import { GENESIS_HASH } from './entry.js';
import { entryLink, isStoredEntry } from './entry-codec.js';
import { hashText } from './hash-text.js';
import type { AuditLogOptions } from './log.js';
import { type AuditStores, seqKey } from './stores.js';

/** A log's recovered state: its last entry (seq -1 when empty) and last checkpoint. */
export interface RecoveredHead {
  readonly head: { readonly seq: number; readonly hash: string };
  readonly checkpoint: AuditCheckpoint | null;
}

/**
 * Reads the head (last seq and hash) and the last checkpoint back from the database. A crash
 * cannot leave half an entry (each batch is atomic in LevelDB's write-ahead log), so a last
 * entry that does not parse or match its hash, or a last checkpoint naming an entry that is
 * missing or different, is damage: the log refuses (AUDIT_CORRUPT) to extend such a chain.
 */
export async function recoverHead(stores: AuditStores): Promise<RecoveredHead> {
  let head = { seq: -1, hash: GENESIS_HASH };
  for await (const [key, value] of stores.entries.entries({ reverse: true, limit: 1 })) {
    const link = isStoredEntry(value) ? entryLink(value.body) : undefined;
    if (
      link === undefined ||
      !isStoredEntry(value) ||
      seqKey(link.seq) !== key ||
      hashText(value.body) !== value.hash
    ) {
      throw corrupt(`the last audit entry (key ${key}) is damaged`);
    }
    head = { seq: link.seq, hash: value.hash };
  }
  let checkpoint: AuditCheckpoint | null = null;
  for await (const [key, value] of stores.checkpoints.entries({ reverse: true, limit: 1 })) {
    const parsed = AuditCheckpointSchema.safeParse(value);
    if (!parsed.success || seqKey(parsed.data.seq) !== key)
      throw corrupt(`the last audit checkpoint (key ${key}) is damaged`);
    checkpoint = parsed.data;
  }
  if (checkpoint !== null) {
    if (checkpoint.seq > head.seq) {
      throw corrupt(
        `the audit log is truncated: checkpoint ${checkpoint.seq} but the last entry is ${head.seq}`,
      );
    }
    const at = await stores.entries.get(seqKey(checkpoint.seq));
    if (!isStoredEntry(at) || hashText(at.body) !== checkpoint.hash) {
      throw corrupt(`audit entry ${checkpoint.seq} differs from its signed checkpoint`);
    }
  } else if (head.seq >= 0) {
    // The first batch of a log always carries the checkpoint of entry 0.
    throw corrupt('the audit log has entries but no checkpoint');
  }
  return { head, checkpoint };
}

/** Boundary checks of {@link AuditLog.open}'s options. */
export function checkOptions(options: AuditLogOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  if (typeof options.db?.batch !== 'function') throw new TypeError('"db" expected a Database');
  if (typeof options.signer?.sign !== 'function')
    throw new TypeError('"signer" expected { keyId, sign(message) }');
  const every = options.checkpointEvery;
  if (every !== undefined && (!Number.isSafeInteger(every) || every < 1 || every > 1_000_000)) {
    throw new RangeError(`"checkpointEvery" expected an integer in 1..1000000, got ${every}`);
  }
  const seconds = options.checkpointSeconds;
  if (seconds !== undefined && (!Number.isFinite(seconds) || seconds < 0)) {
    throw new RangeError(`"checkpointSeconds" expected a non-negative number, got ${seconds}`);
  }
  const max = options.maxBatch;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1))
    throw new RangeError(`"maxBatch" expected a positive integer`);
}

function corrupt(message: string): AstridError {
  return new AstridError(
    'AUDIT_CORRUPT',
    `${message}; verify the log (verifyAuditDatabase) to locate the damage`,
  );
}
