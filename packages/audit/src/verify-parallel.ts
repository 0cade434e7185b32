import type { RangeOptions, Store } from '@astrid/storage';
import { GENESIS_HASH } from './entry.js';
import { entryLink, isStoredEntry, type StoredEntry } from './entry-codec.js';
import { hashText } from './hash-text.js';
import { seqKey, seqOfKey } from './stores.js';

/** What a parallel scan found: the whole range intact, or not (then the caller walks it in order). */
export type ScanResult =
  | {
      readonly intact: true;
      readonly count: number;
      readonly lastSeq: number;
      readonly lastHash: string;
      readonly checkpointMismatches: readonly number[];
    }
  | { readonly intact: false };

const PARTITIONS = 8;
const MIN_PARTITION = 4096;

/**
 * The fast path of verification: the seq range 0..`lastSeq` is cut into a few key ranges
 * read concurrently (LevelDB reads ahead on its thread pool while JavaScript hashes another
 * range), each checked to hold exactly its seqs under their own keys, every body matching
 * its hash and linking to the one before; then the ranges are stitched. Any irregularity
 * returns `intact: false` and the caller runs the in-order classifier, which names the
 * damage precisely; intact logs, the common case, take this path only.
 */
export async function scanInParallel(
  entries: Store<StoredEntry>,
  lastSeq: number,
  bounded: boolean,
  checkpointHashes: ReadonlyMap<number, string>,
): Promise<ScanResult> {
  const total = lastSeq + 1;
  const parts = Math.max(1, Math.min(PARTITIONS, Math.floor(total / MIN_PARTITION)));
  const size = Math.ceil(total / parts);
  const ranges = Array.from({ length: parts }, (_, p) => {
    const from = p * size;
    const to = Math.min(total, from + size);
    // The first range starts at the lowest key and the last ends at the highest (or at
    // `lastSeq` for a live log that may grow meanwhile), so any stray key falls in some range.
    const last = p === parts - 1;
    const range: RangeOptions = {
      ...(p === 0 ? {} : { gte: seqKey(from) }),
      ...(last ? (bounded ? { lte: seqKey(lastSeq) } : {}) : { lt: seqKey(to) }),
    };
    return { from, to, range };
  });
  const scans = await Promise.all(
    ranges.map((r) => scanRange(entries, r.range, r.from, r.to, checkpointHashes)),
  );
  let prevHash = GENESIS_HASH;
  const mismatches: number[] = [];
  for (const scan of scans) {
    if (scan === undefined || scan.firstPrev !== prevHash) return { intact: false };
    prevHash = scan.lastHash;
    mismatches.push(...scan.mismatches);
  }
  return { intact: true, count: total, lastSeq, lastHash: prevHash, checkpointMismatches: mismatches };
}

interface Segment {
  readonly firstPrev: string;
  readonly lastHash: string;
  readonly mismatches: number[];
}

/** Checks that `range` holds exactly entries from..to-1, intact and linked; undefined if not. */
async function scanRange(
  entries: Store<StoredEntry>,
  range: RangeOptions,
  from: number,
  to: number,
  checkpointHashes: ReadonlyMap<number, string>,
): Promise<Segment | undefined> {
  let expected = from;
  let firstPrev: string | undefined;
  let lastHash = '';
  const mismatches: number[] = [];
  for await (const [key, value] of entries.entries(range)) {
    if (expected >= to || !isStoredEntry(value) || seqOfKey(key) !== expected) return undefined;
    const link = entryLink(value.body);
    if (link === undefined || link.seq !== expected) return undefined;
    const hash = hashText(value.body);
    if (hash !== value.hash) return undefined;
    if (firstPrev === undefined) firstPrev = link.prevHash;
    else if (link.prevHash !== lastHash) return undefined;
    const signed = checkpointHashes.get(expected);
    if (signed !== undefined && signed !== hash) mismatches.push(expected);
    lastHash = hash;
    expected++;
  }
  if (expected !== to || firstPrev === undefined) return undefined;
  return { firstPrev, lastHash, mismatches };
}
