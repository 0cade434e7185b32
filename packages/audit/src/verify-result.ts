/**
 * The damage verification can name. The first six are the attacks the chain is built to
 * expose; `checkpoint_missing`, `index_mismatch` and `malformed` are what else can be wrong.
 * - `edited`: an entry's bytes differ from what the chain committed to.
 * - `deleted`: entries are missing between two that remain.
 * - `reordered`: an entry is not at its place in the sequence.
 * - `inserted`: an entry that the chain never had (a second entry claiming a seq).
 * - `truncated`: entries missing at the end that a checkpoint (or an export header) vouched for.
 * - `checkpoint_invalid`: a checkpoint's signature fails, or the chain no longer has the hash it
 *   signed: the chain was rewritten by someone without the key.
 * - `checkpoint_missing`: a checkpoint that the schedule promised is absent (deleted).
 * - `index_mismatch`: the session or kind index disagrees with the entries.
 * - `malformed`: a record that is not a well-formed entry, checkpoint or export line.
 */
export const DAMAGE_KINDS = [
  'edited',
  'deleted',
  'reordered',
  'inserted',
  'truncated',
  'checkpoint_invalid',
  'checkpoint_missing',
  'index_mismatch',
  'malformed',
] as const;
export type DamageKind = (typeof DAMAGE_KINDS)[number];

/** One finding: what is wrong, from which seq on, in words. */
export interface AuditDamage {
  readonly kind: DamageKind;
  readonly seq: number;
  readonly message: string;
}

/** The outcome of verifying a log or an export. */
export interface AuditVerifyResult {
  readonly ok: boolean;
  /** Entry records examined. */
  readonly entries: number;
  readonly checkpoints: number;
  /** The last entry of an intact chain (null when empty or damaged). */
  readonly head: { readonly seq: number; readonly hash: string } | null;
  /** The finding with the lowest seq, or null when the log is intact. */
  readonly damage: AuditDamage | null;
  /** Every finding, by seq: the first break of the chain plus checkpoint and index findings. */
  readonly issues: readonly AuditDamage[];
}
