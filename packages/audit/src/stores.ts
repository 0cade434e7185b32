import type { Database, RangeOptions, Store } from '@astrid/storage';
import { sortableNumberKey } from '@astrid/storage';
import type { AuditCheckpoint } from './checkpoint.js';
import type { StoredEntry } from './entry-codec.js';

/**
 * The log's stores. Entries are keyed by seq; the two indexes map `<session or kind>/<seq>`
 * to the seq and are written in the same atomic batch as the entry; checkpoints live in
 * their own store, keyed by the seq they vouch for.
 */
export interface AuditStores {
  readonly entries: Store<StoredEntry>;
  readonly bySession: Store<number>;
  readonly byKind: Store<number>;
  readonly checkpoints: Store<AuditCheckpoint>;
}

/** The names of the log's stores in the database. */
export const AUDIT_STORE_NAMES = {
  entries: 'audit-entries',
  bySession: 'audit-by-session',
  byKind: 'audit-by-kind',
  checkpoints: 'audit-checkpoints',
} as const;

/** Opens the log's stores in `db`. */
export function auditStores(db: Database): AuditStores {
  return {
    entries: db.store<StoredEntry>(AUDIT_STORE_NAMES.entries),
    bySession: db.store<number>(AUDIT_STORE_NAMES.bySession),
    byKind: db.store<number>(AUDIT_STORE_NAMES.byKind),
    checkpoints: db.store<AuditCheckpoint>(AUDIT_STORE_NAMES.checkpoints),
  };
}

/** The storage key of entry `seq` (zero-padded, so byte order is seq order). */
export const seqKey = sortableNumberKey;

const SEQ_KEY = /^\d{16}$/;

/** The seq a storage key names, or undefined when it is not a seq key. */
export function seqOfKey(key: string): number | undefined {
  return SEQ_KEY.test(key) ? Number(key) : undefined;
}

/** Index key of entry `seq` under `prefix` (a session id or kind; neither contains `/`). */
export function indexKey(prefix: string, key: string): string {
  return `${prefix}/${key}`;
}

/** The key range of one index prefix (`0` is the byte after `/`). */
export function indexRange(prefix: string): RangeOptions {
  return { gte: `${prefix}/`, lt: `${prefix}0` };
}
