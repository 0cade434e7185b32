import type { AuditEntry } from './entry.js';

/**
 * How an entry is stored: its canonical JSON text (the entry without `hash`) and the hash of
 * exactly that text. Keeping the text, rather than the parsed entry, lets verification hash
 * the stored bytes directly instead of re-canonicalising every entry in JavaScript.
 */
export interface StoredEntry {
  readonly hash: string;
  readonly body: string;
}

const PREV = '"prevHash":"';
const SEQ = ',"seq":';

/**
 * The chain link of a body (its `seq` and `prevHash`) read without parsing the whole entry.
 * In canonical order the top-level `prevHash` is followed only by scalar fields (principal,
 * seq, sessionId, timestamp, version), so the last `"prevHash":"` in the text is the
 * top-level one even when redacted params contain such a key; and JSON.parse also keeps the
 * last of duplicate keys, so a parser and this function agree on which link a body claims.
 * Returns undefined for a body that does not have that shape.
 */
export function entryLink(body: string): { seq: number; prevHash: string } | undefined {
  const at = body.lastIndexOf(PREV);
  if (at < 0) return undefined;
  const start = at + PREV.length;
  if (body.charCodeAt(start + 64) !== 34) return undefined;
  const prevHash = body.slice(start, start + 64);
  const s = body.indexOf(SEQ, start + 65);
  if (s < 0) return undefined;
  let i = s + SEQ.length;
  const first = i;
  let seq = 0;
  for (; i < body.length && i - first < 16; i++) {
    const c = body.charCodeAt(i);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
  }
  const digits = i - first;
  if (digits === 0 || (digits > 1 && body.charCodeAt(first) === 48) || !Number.isSafeInteger(seq))
    return undefined;
  const end = body.charCodeAt(i);
  if (end !== 44 && end !== 125) return undefined;
  return { seq, prevHash };
}

/** The entry a stored record holds (parsed, with its hash); throws SyntaxError on a damaged body. */
export function entryFromStored(stored: StoredEntry): AuditEntry {
  const parsed = JSON.parse(stored.body) as Omit<AuditEntry, 'hash'>;
  return { ...parsed, hash: stored.hash };
}

/** True when `value` has the shape of a {@link StoredEntry}. */
export function isStoredEntry(value: unknown): value is StoredEntry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StoredEntry).hash === 'string' &&
    typeof (value as StoredEntry).body === 'string'
  );
}
