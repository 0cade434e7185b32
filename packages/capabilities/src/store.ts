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
import { type CapabilityToken, parseToken } from './token.js';
import type { TrustedKeys } from './trusted-keys.js';
import { type TokenRequest, type TokenState, TokenVerifier } from './verifier.js';

/** LevelDB store names; prefixed because the database is shared with other packages. */
export const TOKEN_STORES = {
  tokens: 'cap-tokens',
  revoked: 'cap-revoked',
  consumed: 'cap-consumed',
} as const;

interface RevokedRecord {
  readonly revoked_at: number;
}
interface ConsumedRecord {
  readonly consumed_at: number;
}

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
  private readonly revoked = new Set<TokenId>();
  private readonly consumed = new Set<TokenId>();
  private readonly tokenStore: Store<CapabilityToken>;
  private readonly revokedStore: Store<RevokedRecord>;
  private readonly consumedStore: Store<ConsumedRecord>;
  private readonly now: () => number;

  private constructor(private readonly options: CapabilityStoreOptions) {
    this.now = options.now ?? Date.now;
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

  /** Opens the store and loads persistent tokens, revocations and consumptions into memory. */
  static async open(options: CapabilityStoreOptions): Promise<CapabilityStore> {
    const store = new CapabilityStore(options);
    for await (const [id] of store.revokedStore.entries()) store.revoked.add(id as TokenId);
    for await (const [id] of store.consumedStore.entries()) store.consumed.add(id as TokenId);
    for await (const [, value] of store.tokenStore.entries()) {
      // A damaged record cannot authorize anything; loading it would only fail later.
      try {
        const token = parseToken(value);
        if (token.scope === 'persistent') store.persistent.set(token.id, token);
      } catch {}
    }
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
    this.consumed.add(verified.id);
    // If the write fails the use is refused, and the token stays consumed in memory: the
    // write may still have reached the disk.
    await durably(`record the use of single-use token ${verified.id}, so the use is refused`, () =>
      this.consumedStore.put(verified.id, { consumed_at: this.now() }, { sync: true }),
    );
    return verified;
  }

  /**
   * Revokes a token by id, effective at once in this process (before the write) and durable
   * when this resolves. Revoking an id this store never saw is allowed: it may be a
   * session token from the session record, or one signed by a trusted key.
   */
  async revoke(id: TokenId): Promise<void> {
    const checked = tokenId(id);
    this.revoked.add(checked);
    await durably(`record the revocation of ${checked}`, () =>
      this.revokedStore.put(checked, { revoked_at: this.now() }, { sync: true }),
    );
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
