import { AstridError } from '@astrid/core';
import type { RangeOptions } from '@astrid/storage';
import { type AuditCheckpoint, AuditCheckpointSchema } from './checkpoint.js';
import type { AuditEntry, AuditKind } from './entry.js';
import { entryFromStored, isStoredEntry, type StoredEntry } from './entry-codec.js';
import { type AuditStores, indexRange, seqKey } from './stores.js';

/** Which entries {@link readEntries} returns: a seq range, optionally one session and/or one kind. */
export interface AuditQuery {
  readonly sessionId?: string;
  readonly kind?: AuditKind;
  readonly fromSeq?: number;
  readonly toSeq?: number;
  readonly limit?: number;
  /** Newest first. */
  readonly reverse?: boolean;
}

/** Entry `seq`, or undefined when there is none. */
export async function readEntry(stores: AuditStores, seq: number): Promise<AuditEntry | undefined> {
  const stored = await stores.entries.get(seqKey(seq));
  return stored === undefined ? undefined : decode(seqKey(seq), stored);
}

/**
 * Entries matching `query`, in seq order (or reverse). A session or kind query walks that
 * index and fetches each entry; with both, the session index is walked and kinds filtered.
 */
export async function* readEntries(stores: AuditStores, query: AuditQuery = {}): AsyncIterable<AuditEntry> {
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0)) throw new RangeError(`"limit" expected a non-negative number, got ${query.limit}`);
  const from = query.fromSeq ?? 0;
  const to = query.toSeq;
  let count = 0;
  if (query.sessionId === undefined && query.kind === undefined) {
    const range: RangeOptions = {
      gte: seqKey(from),
      ...(to === undefined ? {} : { lte: seqKey(to) }),
      reverse: query.reverse === true,
    };
    for await (const [key, stored] of stores.entries.entries(range)) {
      if (count++ >= limit) return;
      yield decode(key, stored);
    }
    return;
  }
  const useSession = query.sessionId !== undefined;
  const prefix = (useSession ? query.sessionId : query.kind) as string;
  const base = indexRange(prefix);
  const range: RangeOptions = {
    gte: `${prefix}/${seqKey(from)}`,
    lt: to === undefined ? base.lt : `${prefix}/${seqKey(to + 1)}`,
    reverse: query.reverse === true,
  };
  const index = useSession ? stores.bySession : stores.byKind;
  for await (const [, seq] of index.entries(range)) {
    if (count >= limit) return;
    const entry = await readEntry(stores, seq);
    if (entry === undefined) throw damaged(`index ${prefix} names entry ${seq}, which is missing`);
    if (query.kind !== undefined && entry.kind !== query.kind) continue;
    count++;
    yield entry;
  }
}

/** The stored checkpoints in seq order. */
export async function* readCheckpoints(stores: AuditStores): AsyncIterable<AuditCheckpoint> {
  for await (const [key, value] of stores.checkpoints.entries()) {
    const parsed = AuditCheckpointSchema.safeParse(value);
    if (!parsed.success) throw damaged(`audit checkpoint ${key} is damaged`);
    yield parsed.data;
  }
}

function decode(key: string, stored: StoredEntry): AuditEntry {
  try {
    if (isStoredEntry(stored)) return entryFromStored(stored);
  } catch {
    // fall through
  }
  throw damaged(`audit entry ${key} is damaged`);
}

function damaged(message: string): AstridError {
  return new AstridError('AUDIT_CORRUPT', `${message}; verify the log to locate the damage`);
}
