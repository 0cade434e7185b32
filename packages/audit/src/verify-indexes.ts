import type { Store } from '@astrid/storage';
import { type AuditStores, seqOfKey } from './stores.js';

/** The kind and session of each entry walked, for checking the indexes afterwards. */
export class IndexCollector {
  readonly kinds = new Map<number, string>();
  readonly sessions = new Map<number, string>();

  /** Records one stored body (bodies that do not parse are the chain walk's finding, not ours). */
  add(body: string): void {
    let entry: { seq?: unknown; kind?: unknown; sessionId?: unknown };
    try {
      entry = JSON.parse(body) as typeof entry;
    } catch {
      return;
    }
    if (typeof entry.seq !== 'number' || typeof entry.kind !== 'string') return;
    this.kinds.set(entry.seq, entry.kind);
    if (typeof entry.sessionId === 'string') this.sessions.set(entry.seq, entry.sessionId);
  }
}

const MAX_ISSUES = 100;

/**
 * Compares the kind and session indexes with the entries: each index key `<prefix>/<seq>`
 * must name an entry with that kind or session, and each entry must be in its indexes.
 */
export async function checkIndexes(
  stores: AuditStores,
  collected: IndexCollector,
  upToSeq: number | undefined,
): Promise<{ seq: number; message: string }[]> {
  const issues: { seq: number; message: string }[] = [];
  await checkOne('kind', stores.byKind, collected.kinds, upToSeq, issues);
  await checkOne('session', stores.bySession, collected.sessions, upToSeq, issues);
  return issues.slice(0, MAX_ISSUES);
}

async function checkOne(
  name: string,
  store: Store<number>,
  expected: ReadonlyMap<number, string>,
  upToSeq: number | undefined,
  issues: { seq: number; message: string }[],
): Promise<void> {
  const seen = new Set<number>();
  for await (const [key, value] of store.entries()) {
    const slash = key.lastIndexOf('/');
    const prefix = key.slice(0, slash);
    const seq = seqOfKey(key.slice(slash + 1));
    if (seq === undefined || value !== seq) {
      issues.push({ seq: seq ?? 0, message: `the ${name} index has a malformed key ${key}` });
      continue;
    }
    if (upToSeq !== undefined && seq > upToSeq) continue;
    if (expected.get(seq) !== prefix)
      issues.push({ seq, message: `the ${name} index files entry ${seq} under ${prefix}` });
    seen.add(seq);
  }
  for (const seq of expected.keys()) {
    if (!seen.has(seq)) issues.push({ seq, message: `entry ${seq} is missing from the ${name} index` });
  }
}
