import {
  AstridError,
  type PrincipalId,
  type SensitiveAction,
  type SessionId,
  type TokenId,
  tokenId,
} from '@astrid/core';
import type { Database, Store } from '@astrid/storage';
import { DEFAULT_TOKEN_TTL_MS, type MintParams, mintToken, type TokenSigner } from './mint.js';
import {
  applyPrune,
  type ConsumedRecord,
  DEFAULT_PRUNE_INTERVAL_MS,
  DEFAULT_TOKEN_RETENTION_MS,
  loadConsumedRecord,
  loadRevokedRecord,
  type PruneResult,
  planPrune,
  type RevokedRecord,
} from './prune.js';
import { type CapabilityToken, parseToken } from './token.js';
import type { TrustedKeys } from './trusted-keys.js';
import { DEFAULT_CLOCK_SKEW_MS, type TokenRequest, type TokenState, TokenVerifier } from './verifier.js';

/** LevelDB store names; prefixed because the database is shared with other packages. */
export const TOKEN_STORES = {
  tokens: 'cap-tokens',
  revoked: 'cap-revoked',
  consumed: 'cap-consumed',
} as const;

/** Configuration of a {@link CapabilityStore}. */
export interface CapabilityStoreOptions {
  readonly db: Database;
  /** Signs minted tokens: normally the `RuntimeKeyRing`. */
  readonly signer: TokenSigner;
  readonly trustedKeys: TrustedKeys;
  readonly now?: () => number;
  /** Allowed clock skew in ms (default 30 s). */
  readonly skewMs?: number;
  /** Lifetime of minted tokens when the caller gives none (default 1 h). */
  readonly defaultTtlMs?: number;
  /** Entries of the signature cache; 0 disables it (default 1024). */
  readonly signatureCacheSize?: number;
  /**
   * How long records of dead tokens are kept (default {@link DEFAULT_TOKEN_RETENTION_MS},
   * 30 days): see {@link CapabilityStore.prune}.
   */
  readonly retentionMs?: number;
  /** Minting prunes at most this often (default {@link DEFAULT_PRUNE_INTERVAL_MS}, 1 h). */
  readonly pruneIntervalMs?: number;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"${name}" expected a non-negative integer, got ${value}`);
  }
  return value;
}

/**
 * Mints, keeps, verifies and revokes capability tokens. Persistent tokens, revocations and
 * consumed single-use tokens are in LevelDB and mirrored in memory, so each use is checked
 * synchronously; session tokens are in memory only (the runtime keeps them in the session
 * record and hands them back with {@link restoreSessionTokens}). This store must be the only
 * writer of its LevelDB stores (LevelDB allows one process per database).
 */
export class CapabilityStore implements TokenState {
  /** The verifier behind {@link verify}; exposed for its signature cache controls. */
  readonly verifier: TokenVerifier;
  private readonly persistent = new Map<TokenId, CapabilityToken>();
  private readonly sessions = new Map<SessionId, Map<TokenId, CapabilityToken>>();
  private readonly revoked = new Map<TokenId, RevokedRecord>();
  private readonly consumed = new Map<TokenId, ConsumedRecord>();
  private readonly tokenStore: Store<CapabilityToken>;
  private readonly revokedStore: Store<RevokedRecord>;
  private readonly consumedStore: Store<ConsumedRecord>;
  private readonly now: () => number;
  private readonly retentionMs: number;
  private readonly pruneIntervalMs: number;
  private lastPrune = Number.NEGATIVE_INFINITY;

  private constructor(private readonly options: CapabilityStoreOptions) {
    this.now = options.now ?? Date.now;
    this.retentionMs = nonNegative('retentionMs', options.retentionMs, DEFAULT_TOKEN_RETENTION_MS);
    this.pruneIntervalMs = nonNegative('pruneIntervalMs', options.pruneIntervalMs, DEFAULT_PRUNE_INTERVAL_MS);
    this.verifier = new TokenVerifier({
      trustedKeys: options.trustedKeys,
      now: this.now,
      ...(options.skewMs === undefined ? {} : { skewMs: options.skewMs }),
      ...(options.signatureCacheSize === undefined ? {} : { signatureCacheSize: options.signatureCacheSize }),
    });
    this.tokenStore = options.db.store(TOKEN_STORES.tokens);
    this.revokedStore = options.db.store(TOKEN_STORES.revoked);
    this.consumedStore = options.db.store(TOKEN_STORES.consumed);
  }

  /**
   * Opens the store, loads persistent tokens, revocations and consumptions into memory, and
   * prunes the records of long-dead tokens ({@link prune}; a failed prune leaves them).
   */
  static async open(options: CapabilityStoreOptions): Promise<CapabilityStore> {
    const store = new CapabilityStore(options);
    for await (const [id, rec] of store.revokedStore.entries())
      store.revoked.set(id as TokenId, loadRevokedRecord(rec));
    for await (const [id, rec] of store.consumedStore.entries())
      store.consumed.set(id as TokenId, loadConsumedRecord(rec));
    for await (const [, value] of store.tokenStore.entries()) {
      // A damaged record cannot authorize anything; loading it would only fail later.
      try {
        const token = parseToken(value);
        if (token.scope === 'persistent') store.persistent.set(token.id, token);
      } catch {}
    }
    await store.pruneQuietly();
    return store;
  }

  /**
   * Mints and keeps a token. A persistent token is durable (synced) when this resolves; a
   * session token is kept in memory and returned for the runtime's session record.
   */
  async mint(params: MintParams): Promise<CapabilityToken> {
    const token = mintToken(this.options.signer, params, {
      now: this.now,
      defaultTtlMs: this.options.defaultTtlMs ?? DEFAULT_TOKEN_TTL_MS,
    });
    // Minting is what makes the stores grow, so it is where they are kept in check.
    if (this.now() - this.lastPrune >= this.pruneIntervalMs) await this.pruneQuietly();
    if (token.scope === 'persistent') {
      await durably(`store token ${token.id}`, () => this.tokenStore.put(token.id, token, { sync: true }));
      this.persistent.set(token.id, token);
    } else {
      this.sessionMap(token.session_id).set(token.id, token);
    }
    return token;
  }

  /**
   * Every check for one use of `token`, without consuming it. Use {@link authorize} to run
   * an action: this is for looking, e.g. by {@link findCovering}.
   */
  verify(token: unknown, request: TokenRequest): CapabilityToken {
    return this.verifier.verify(token, request, this);
  }

  /**
   * Verifies `token` for `request` and, for a single-use token, consumes it. Of any number
   * of concurrent calls on one single-use token, exactly one resolves. The use is durable
   * (synced) when this resolves; if recording it fails, the use is refused (fail closed).
   */
  async authorize(token: unknown, request: TokenRequest): Promise<CapabilityToken> {
    const verified = this.verify(token, request);
    if (!verified.single_use) return verified;
    // verify() checked "not consumed" and this line marks it, with no await in between: JS
    // runs them as one step, so exactly one concurrent caller gets past the check.
    const used: ConsumedRecord = { consumed_at: this.now(), expires_at: verified.expires_at };
    this.consumed.set(verified.id, used);
    // If the write fails the use is refused, and the token stays consumed in memory: the
    // write may still have reached the disk.
    await durably(`record the use of single-use token ${verified.id}, so the use is refused`, () =>
      this.consumedStore.put(verified.id, used, { sync: true }),
    );
    return verified;
  }

  /**
   * Revokes a token by id, effective at once in this process (before the write) and durable
   * when this resolves. Revoking an id this store never saw is allowed: it may be a
   * session token from the session record, or one signed by a trusted key. The token's
   * expiry is recorded with the revocation when this store holds the token; without it, the
   * revocation is never pruned.
   */
  async revoke(id: TokenId): Promise<void> {
    const checked = tokenId(id);
    const expires = this.get(checked)?.expires_at ?? this.revoked.get(checked)?.expires_at;
    const rec: RevokedRecord = {
      revoked_at: this.now(),
      ...(expires === undefined ? {} : { expires_at: expires }),
    };
    this.revoked.set(checked, rec);
    await durably(`record the revocation of ${checked}`, () =>
      this.revokedStore.put(checked, rec, { sync: true }),
    );
  }

  /**
   * Forgets the records of tokens dead for longer than the retention period (see
   * `planPrune` for exactly which): persistent tokens expired, revoked or consumed before
   * `now - retention`, and revocation and use records of tokens that are also past their
   * own expiry by then. A revoked token stays refused whatever is pruned: its revocation
   * goes only when the verifier refuses it as expired anyway. Runs at open and, at most
   * once per `pruneIntervalMs`, before a mint. One atomic, synced batch; memory is updated
   * after it is durable.
   */
  async prune(): Promise<PruneResult> {
    const now = this.now();
    this.lastPrune = now;
    const plan = planPrune({
      tokens: this.persistent,
      revoked: this.revoked,
      consumed: this.consumed,
      now,
      retentionMs: this.retentionMs,
      skewMs: this.options.skewMs ?? DEFAULT_CLOCK_SKEW_MS,
    });
    return applyPrune(
      plan,
      {
        tokenStore: this.tokenStore,
        revokedStore: this.revokedStore,
        consumedStore: this.consumedStore,
        tokens: this.persistent,
        revoked: this.revoked,
        consumed: this.consumed,
      },
      (ops) => durably('prune dead token records', () => this.options.db.batch(ops, { sync: true })),
    );
  }

  // Pruning only saves space: when it fails, everything it would have removed stays valid data.
  private async pruneQuietly(): Promise<void> {
    try {
      await this.prune();
    } catch {}
  }

  /** True when the token id was revoked. */
  isRevoked(id: TokenId): boolean {
    return this.revoked.has(id);
  }

  /** True when the single-use token id has been used. */
  isConsumed(id: TokenId): boolean {
    return this.consumed.has(id);
  }

  /**
   * The tokens of `principal` (persistent ones, and those of `session`) that pass every check
   * for `action` now: candidates for the interceptor, which must still {@link authorize}
   * the one it uses. Reusable tokens come before single-use ones.
   */
  findCovering(action: SensitiveAction, principal: PrincipalId, session?: SessionId): CapabilityToken[] {
    const candidates = [...this.persistent.values()];
    const own = session === undefined ? undefined : this.sessions.get(session);
    if (own !== undefined) candidates.push(...own.values());
    const request: TokenRequest =
      session === undefined ? { action, principal } : { action, principal, session };
    const covering: CapabilityToken[] = [];
    for (const token of candidates) {
      if (token.subject !== principal) continue;
      try {
        covering.push(this.verify(token, request));
      } catch {}
    }
    return covering.sort((a, b) => Number(a.single_use) - Number(b.single_use));
  }

  /** The persistent or session token with this id, if this store holds it. */
  get(id: TokenId): CapabilityToken | undefined {
    const token = this.persistent.get(id);
    if (token !== undefined) return token;
    for (const tokens of this.sessions.values()) {
      const found = tokens.get(id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Every token this store holds (persistent, then per session), with its revoked/consumed state. */
  list(): { token: CapabilityToken; revoked: boolean; consumed: boolean }[] {
    const all = [...this.persistent.values(), ...[...this.sessions.values()].flatMap((m) => [...m.values()])];
    return all.map((token) => ({
      token,
      revoked: this.revoked.has(token.id),
      consumed: this.consumed.has(token.id),
    }));
  }

  /** The session tokens held for `session`, for the runtime to save in the session record. */
  sessionTokens(session: SessionId): CapabilityToken[] {
    return [...(this.sessions.get(session)?.values() ?? [])];
  }

  /**
   * Takes back session tokens from a session record (TOKEN_MALFORMED if one is not a
   * session token). They are checked in full, signature included, on every use.
   */
  restoreSessionTokens(tokens: readonly unknown[]): CapabilityToken[] {
    const parsed = tokens.map((t) => parseToken(t));
    for (const token of parsed) {
      if (token.scope !== 'session') {
        throw new AstridError('TOKEN_MALFORMED', `capability token ${token.id} is not session-scoped`);
      }
    }
    for (const token of parsed)
      if (token.scope === 'session') this.sessionMap(token.session_id).set(token.id, token);
    return parsed;
  }

  /** Forgets a session's tokens (its revocations and consumptions stay recorded). */
  dropSession(session: SessionId): void {
    this.sessions.delete(session);
  }

  private sessionMap(session: SessionId): Map<TokenId, CapabilityToken> {
    let tokens = this.sessions.get(session);
    if (tokens === undefined) {
      tokens = new Map();
      this.sessions.set(session, tokens);
    }
    return tokens;
  }
}

// Every failed write surfaces as STORAGE_FAILURE (keeping the cause), whatever the Database
// implementation threw, so callers branch on one code.
async function durably(what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    throw new AstridError('STORAGE_FAILURE', `could not ${what}: ${(err as Error).message}`, { cause: err });
  }
}
