import type { TokenId } from '@astrid/core';
import type { BatchOperation, Store } from '@astrid/storage';
import type { CapabilityToken } from './token.js';

/** How long records of dead tokens are kept by default: 30 days. */
export const DEFAULT_TOKEN_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** How often, at most, minting also prunes (default 1 h). */
export const DEFAULT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** A revocation as stored: when, and the token's own expiry when it was known. */
export interface RevokedRecord {
  readonly revoked_at: number;
  /** Absent for an id this store never held: such a record is never pruned. */
  readonly expires_at?: number;
}

/** A use of a single-use token as stored: when, and the token's expiry. */
export interface ConsumedRecord {
  readonly consumed_at: number;
  /** Absent in records written before pruning existed: kept while the token record is. */
  readonly expires_at?: number;
}

/** What {@link planPrune} reads: the store's in-memory mirror of its three LevelDB stores. */
export interface PruneInput {
  readonly tokens: ReadonlyMap<TokenId, CapabilityToken>;
  readonly revoked: ReadonlyMap<TokenId, RevokedRecord>;
  readonly consumed: ReadonlyMap<TokenId, ConsumedRecord>;
  readonly now: number;
  readonly retentionMs: number;
  readonly skewMs: number;
}

/** What to forget, and the records to rewrite with the expiry of a token record being forgotten. */
export interface PrunePlan {
  readonly tokens: TokenId[];
  readonly revoked: TokenId[];
  readonly consumed: TokenId[];
  readonly rewriteRevoked: Map<TokenId, RevokedRecord>;
  readonly rewriteConsumed: Map<TokenId, ConsumedRecord>;
}

/**
 * Decides which records of dead tokens can go, with `cutoff = now - retention`:
 *
 * - A **token record** goes once the token expired before the cutoff (expiry plus the
 *   verifier's clock skew), or was revoked or consumed before it. Forgetting the token
 *   itself never makes it usable: its revocation or use record stays (below), and a token
 *   nobody holds cannot be found by `findCovering`.
 * - A **revocation or use record** goes only once the token is expired before the cutoff
 *   too, and its expiry must be known: a pruned revoked token whose signature still
 *   verifies would otherwise become valid again when presented. The verifier refuses it as
 *   expired instead, with a whole retention period of margin against a clock set back.
 *   A revocation of an id whose expiry was never known (a session token of a session not
 *   loaded, a token of a trusted key) is kept forever.
 *
 * When a token record goes while its revocation or use record stays, that record is
 * rewritten with the token's expiry, so it can be pruned later on its own.
 */
export function planPrune(input: PruneInput): PrunePlan {
  const cutoff = input.now - input.retentionMs;
  const deadBy = (expiresAt: number | undefined) =>
    expiresAt !== undefined && expiresAt + input.skewMs < cutoff;
  const plan: PrunePlan = {
    tokens: [],
    revoked: [],
    consumed: [],
    rewriteRevoked: new Map(),
    rewriteConsumed: new Map(),
  };
  for (const [id, rec] of input.revoked) {
    const expires = rec.expires_at ?? input.tokens.get(id)?.expires_at;
    if (deadBy(expires) && rec.revoked_at < cutoff) plan.revoked.push(id);
  }
  for (const [id, rec] of input.consumed) {
    const expires = rec.expires_at ?? input.tokens.get(id)?.expires_at;
    if (deadBy(expires) && rec.consumed_at < cutoff) plan.consumed.push(id);
  }
  const revokedGoing = new Set(plan.revoked);
  const consumedGoing = new Set(plan.consumed);
  for (const [id, token] of input.tokens) {
    const revoked = input.revoked.get(id);
    const consumed = input.consumed.get(id);
    const forget =
      deadBy(token.expires_at) ||
      (revoked !== undefined && revoked.revoked_at < cutoff) ||
      (consumed !== undefined && consumed.consumed_at < cutoff);
    if (!forget) continue;
    plan.tokens.push(id);
    if (revoked !== undefined && revoked.expires_at === undefined && !revokedGoing.has(id)) {
      plan.rewriteRevoked.set(id, { ...revoked, expires_at: token.expires_at });
    }
    if (consumed !== undefined && consumed.expires_at === undefined && !consumedGoing.has(id)) {
      plan.rewriteConsumed.set(id, { ...consumed, expires_at: token.expires_at });
    }
  }
  return plan;
}

// Stored records are read leniently (their presence is what matters): a timestamp that is
// not a number counts as "just now", so the record is kept; an expiry that is not one
// counts as unknown, so the record is kept forever.
const NEVER_OLD = Number.MAX_SAFE_INTEGER;

function finite(value: unknown, key: string): number | undefined {
  const n = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** A revocation record as loaded from the database. */
export function loadRevokedRecord(value: unknown): RevokedRecord {
  const expires = finite(value, 'expires_at');
  return {
    revoked_at: finite(value, 'revoked_at') ?? NEVER_OLD,
    ...(expires === undefined ? {} : { expires_at: expires }),
  };
}

/** A use record as loaded from the database. */
export function loadConsumedRecord(value: unknown): ConsumedRecord {
  const expires = finite(value, 'expires_at');
  return {
    consumed_at: finite(value, 'consumed_at') ?? NEVER_OLD,
    ...(expires === undefined ? {} : { expires_at: expires }),
  };
}

/** What one {@link CapabilityStore.prune} removed. */
export interface PruneResult {
  readonly tokens: number;
  readonly revocations: number;
  readonly consumptions: number;
}

/** The store's three LevelDB stores and their in-memory mirrors, which {@link applyPrune} updates. */
export interface PruneTarget {
  readonly tokenStore: Store<CapabilityToken>;
  readonly revokedStore: Store<RevokedRecord>;
  readonly consumedStore: Store<ConsumedRecord>;
  readonly tokens: Map<TokenId, CapabilityToken>;
  readonly revoked: Map<TokenId, RevokedRecord>;
  readonly consumed: Map<TokenId, ConsumedRecord>;
}

/**
 * Carries out a plan: one atomic batch through `write`, then memory, only once the batch is
 * durable (memory is what every check reads). A record replaced while the batch was in
 * flight (a token revoked again) is left as it is now.
 */
export async function applyPrune(
  plan: PrunePlan,
  target: PruneTarget,
  write: (ops: BatchOperation[]) => Promise<void>,
): Promise<PruneResult> {
  const ops = [
    ...plan.tokens.map((id) => target.tokenStore.delOp(id)),
    ...plan.revoked.map((id) => target.revokedStore.delOp(id)),
    ...plan.consumed.map((id) => target.consumedStore.delOp(id)),
    ...[...plan.rewriteRevoked].map(([id, rec]) => target.revokedStore.putOp(id, rec)),
    ...[...plan.rewriteConsumed].map(([id, rec]) => target.consumedStore.putOp(id, rec)),
  ];
  if (ops.length === 0) return { tokens: 0, revocations: 0, consumptions: 0 };
  const before = { revoked: new Map(target.revoked), consumed: new Map(target.consumed) };
  await write(ops);
  for (const id of plan.tokens) target.tokens.delete(id);
  const unchanged = <R>(map: Map<TokenId, R>, was: Map<TokenId, R>, id: TokenId) =>
    map.get(id) === was.get(id);
  for (const id of plan.revoked) if (unchanged(target.revoked, before.revoked, id)) target.revoked.delete(id);
  for (const id of plan.consumed)
    if (unchanged(target.consumed, before.consumed, id)) target.consumed.delete(id);
  for (const [id, rec] of plan.rewriteRevoked) {
    if (unchanged(target.revoked, before.revoked, id)) target.revoked.set(id, rec);
  }
  for (const [id, rec] of plan.rewriteConsumed) {
    if (unchanged(target.consumed, before.consumed, id)) target.consumed.set(id, rec);
  }
  return { tokens: plan.tokens.length, revocations: plan.revoked.length, consumptions: plan.consumed.length };
}
