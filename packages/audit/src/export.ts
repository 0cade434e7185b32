import type { PublicKeyRecord } from '@astrid/crypto';
import type { Database, RangeOptions } from '@astrid/storage';
import { entryFromStored, isStoredEntry } from './entry-codec.js';
import { EXPORT_FORMAT, EXPORT_VERSION } from './export-format.js';
import { auditStores, seqKey } from './stores.js';

/** Options of {@link exportAuditJsonl}. */
export interface ExportOptions {
  /** The key history to include (informative for readers; verifiers bring their own). */
  readonly keyHistory: readonly PublicKeyRecord[];
  /** The head to export up to (a live log's head); null for an empty log. */
  readonly head: { readonly seq: number; readonly hash: string } | null;
  readonly now?: () => number;
}

/**
 * The log as JSONL lines (each ending in a newline): header, keys, checkpoints, entries, as
 * described by `ExportLineSchema`. Stored bytes are exported as they are: an entry that does
 * not parse is exported as `entry: null` with its `raw` text, so the export shows the damage.
 */
export async function* exportAuditJsonl(db: Database, options: ExportOptions): AsyncIterable<string> {
  const stores = auditStores(db);
  const { head } = options;
  yield line({
    type: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: (options.now ?? Date.now)(),
    head: head === null ? null : { seq: head.seq, hash: head.hash },
  });
  for (const key of options.keyHistory) yield line({ type: 'key', key });
  if (head === null) return;
  const range: RangeOptions = { lte: seqKey(head.seq) };
  for await (const [, checkpoint] of stores.checkpoints.entries(range))
    yield line({ type: 'checkpoint', checkpoint });
  for await (const [, stored] of stores.entries.entries(range)) {
    let entry: unknown = null;
    try {
      if (isStoredEntry(stored)) entry = entryFromStored(stored);
    } catch {
      entry = null;
    }
    yield line(
      entry === null ? { type: 'entry', entry: null, raw: JSON.stringify(stored) } : { type: 'entry', entry },
    );
  }
}

function line(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
