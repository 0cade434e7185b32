import type { PublicKeyRecord } from '@astrid/crypto';
import { type AuditCheckpoint, checkpointSignatureValid } from './checkpoint.js';
import { inspectBody } from './deep.js';
import { GENESIS_HASH } from './entry.js';
import { entryLink } from './entry-codec.js';
import { hashText } from './hash-text.js';
import type { AuditDamage, AuditVerifyResult, DamageKind } from './verify-result.js';

/** Options of a {@link ChainVerifier}. */
export interface ChainVerifierOptions {
  /** Also check that every body is a schema-valid entry in canonical form (slower). */
  readonly deep?: boolean;
  /** Maps a storage key to the seq it should hold, or undefined when the key is not a seq key. */
  readonly keySeq?: (key: string) => number | undefined;
}

/**
 * Walks entry records in storage order and names the first damage. Pure (no I/O), so the
 * same code checks a LevelDB log and an offline export.
 *
 * Classification of the first break, with everything before it intact:
 * - a body whose hash differs from the stored one, or that does not parse: `edited` there;
 * - the expected seq but a `prevHash` that is not the previous hash: the previous entry was
 *   edited (and its hash recomputed), `edited` at seq - 1;
 * - a seq already seen: a second entry claims it, `inserted`;
 * - a seq further on: `reordered` when a skipped seq shows up later, else `deleted`;
 * - a record under another entry's key: `reordered`; under a key that is no seq: `inserted`.
 * Checkpoints are then checked: signature (against the key history), the hash of the entry
 * they name (`checkpoint_invalid`), existence of that entry (`truncated`), and the schedule
 * (`checkpoint_missing`: none at seq 0, or a gap beyond the `next` a checkpoint promised).
 */
export class ChainVerifier {
  private expected = 0;
  private lastHash = GENESIS_HASH;
  private count = 0;
  private maxSeq = -1;
  private broken: AuditDamage | null = null;
  /** Seqs [from, to) absent at their place: deleted, unless one appears later (reordered). */
  private gap: { from: number; to: number; reappeared: boolean } | null = null;
  private readonly cps: readonly AuditCheckpoint[];
  private cpIndex = 0;
  private readonly extra: AuditDamage[] = [];

  constructor(
    checkpoints: readonly AuditCheckpoint[],
    private readonly history: readonly PublicKeyRecord[],
    private readonly options: ChainVerifierOptions = {},
  ) {
    this.cps = [...checkpoints].sort((a, b) => a.seq - b.seq);
  }

  /** Feeds the next record: the hash stored with it, its body text, and its storage key if any. */
  push(storedHash: string, body: string, key?: string): void {
    this.count++;
    if (this.broken !== null || this.gap !== null) {
      this.afterBreak(body);
      return;
    }
    const link = entryLink(body);
    if (link === undefined) {
      this.fail('edited', this.expected, `entry ${this.expected} does not parse`);
      return;
    }
    const { seq, prevHash } = link;
    if (seq > this.maxSeq) this.maxSeq = seq;
    const hash = hashText(body);
    if (hash !== storedHash) {
      this.fail('edited', this.expected, `entry ${this.expected} does not match its hash`);
      return;
    }
    if (seq < this.expected) {
      this.fail('inserted', seq, `a second entry claims seq ${seq}`);
      return;
    }
    if (seq > this.expected) {
      this.gap = { from: this.expected, to: seq, reappeared: false };
      return;
    }
    if (prevHash !== this.lastHash) {
      const at = seq === 0 ? 0 : seq - 1;
      this.fail('edited', at, `entry ${seq} does not link to the hash of entry ${at}`);
      return;
    }
    if (key !== undefined && this.options.keySeq !== undefined) {
      const keySeq = this.options.keySeq(key);
      if (keySeq === undefined) {
        this.fail('inserted', seq, `entry ${seq} is stored under a foreign key`);
        return;
      }
      if (keySeq !== seq) {
        this.fail('reordered', Math.min(seq, keySeq), `entry ${seq} is stored as entry ${keySeq}`);
        return;
      }
    }
    if (this.options.deep === true) {
      const problem = inspectBody(body);
      if (problem !== undefined) {
        this.fail('malformed', seq, `entry ${seq}: ${problem}`);
        return;
      }
    }
    // Checkpoints are sorted; every one at or below this seq is compared exactly once.
    let cp = this.cps[this.cpIndex];
    while (cp !== undefined && cp.seq <= seq) {
      if (cp.seq === seq && cp.hash !== hash) {
        this.extra.push(damage('checkpoint_invalid', seq, `entry ${seq} differs from its signed checkpoint`));
      }
      cp = this.cps[++this.cpIndex];
    }
    this.expected = seq + 1;
    this.lastHash = hash;
  }

  /** Records damage found outside the chain walk (a malformed record, an index mismatch). */
  report(kind: DamageKind, seq: number, message: string): void {
    if (kind === 'malformed' || kind === 'edited') {
      this.count++;
      if (this.broken === null && this.gap === null) this.fail(kind, seq, message);
      return;
    }
    this.extra.push(damage(kind, seq, message));
  }

  /**
   * Accounts for `count` records that were walked elsewhere (in parallel) and found intact up
   * to entry `lastSeq` with hash `lastHash`; only valid before any `push`.
   */
  acceptIntact(count: number, lastSeq: number, lastHash: string): void {
    this.count += count;
    this.expected = lastSeq + 1;
    this.maxSeq = lastSeq;
    this.lastHash = lastHash;
  }

  /** The seq the next intact entry must have. */
  get nextSeq(): number {
    return this.expected;
  }

  /** Checks the checkpoints against what was walked and returns the verdict. */
  finish(): AuditVerifyResult {
    const issues: AuditDamage[] = [];
    if (this.broken !== null) issues.push(this.broken);
    if (this.gap !== null) {
      const { from, to, reappeared } = this.gap;
      issues.push(
        reappeared
          ? damage('reordered', from, `entry ${from} is out of order (entry ${to} is in its place)`)
          : damage('deleted', from, `entries ${from}..${to - 1} are missing`),
      );
    }
    const intact = this.broken === null && this.gap === null;
    const lastSeq = intact ? this.expected - 1 : this.maxSeq;
    issues.push(...this.extra, ...this.checkpointIssues(lastSeq));
    issues.sort((a, b) => a.seq - b.seq);
    const ok = issues.length === 0;
    return {
      ok,
      entries: this.count,
      checkpoints: this.cps.length,
      head: ok && lastSeq >= 0 ? { seq: lastSeq, hash: this.lastHash } : null,
      damage: issues[0] ?? null,
      issues,
    };
  }

  private checkpointIssues(lastSeq: number): AuditDamage[] {
    const out: AuditDamage[] = [];
    const cps = this.cps;
    let truncated = false;
    for (let i = 0; i < cps.length; i++) {
      const cp = cps[i] as AuditCheckpoint;
      if (!checkpointSignatureValid(cp, this.history)) {
        out.push(
          damage('checkpoint_invalid', cp.seq, `checkpoint ${cp.seq} has no valid signature by a known key`),
        );
      }
      if (cp.seq > lastSeq && !truncated) {
        truncated = true;
        out.push(
          damage(
            'truncated',
            lastSeq + 1,
            `entries from ${lastSeq + 1} are missing; checkpoint ${cp.seq} vouched for them`,
          ),
        );
      }
      const next = cps[i + 1];
      if (next !== undefined && next.seq > cp.next) {
        out.push(
          damage(
            'checkpoint_missing',
            cp.next,
            `no checkpoint between ${cp.seq} and ${next.seq} (due by ${cp.next})`,
          ),
        );
      }
    }
    const last = cps[cps.length - 1];
    if (this.count > 0 && cps[0]?.seq !== 0)
      out.push(damage('checkpoint_missing', 0, 'no checkpoint at seq 0'));
    if (last !== undefined && lastSeq >= last.next) {
      out.push(
        damage('checkpoint_missing', last.next, `no checkpoint after ${last.seq} (due by ${last.next})`),
      );
    }
    return out;
  }

  private afterBreak(body: string): void {
    const link = entryLink(body);
    if (link === undefined) return;
    if (link.seq > this.maxSeq) this.maxSeq = link.seq;
    const gap = this.gap;
    if (gap !== null && link.seq >= gap.from && link.seq < gap.to) gap.reappeared = true;
  }

  private fail(kind: DamageKind, seq: number, message: string): void {
    this.broken = damage(kind, seq, message);
  }
}

function damage(kind: DamageKind, seq: number, message: string): AuditDamage {
  return { kind, seq, message };
}
