import {
  AstridError,
  type ErrorCode,
  type PrincipalId,
  type SensitiveAction,
  type SessionId,
  type TokenId,
} from '@astrid/core';
import { actionHash, fromHex, SIGNATURE_BYTES, verify } from '@astrid/crypto';
import { LruCache } from './lru.js';
import { actionResourceProblem } from './resource.js';
import { type CapabilityToken, parseTokenEntry } from './token.js';
import type { TrustedKeys } from './trusted-keys.js';

/** Clocks of the issuer and the verifier may disagree by this much (30 s). */
export const DEFAULT_CLOCK_SKEW_MS = 30_000;
/** Signature cache entries kept by default. */
export const DEFAULT_SIGNATURE_CACHE_SIZE = 1024;

/** One use of a token: the action to authorize, for whom, in which session. */
export interface TokenRequest {
  readonly action: SensitiveAction;
  readonly principal: PrincipalId;
  readonly session?: SessionId;
}

/** The mutable state of tokens, read on every use: revocations and consumed single-use tokens. */
export interface TokenState {
  isRevoked(id: TokenId): boolean;
  isConsumed(id: TokenId): boolean;
}

/** Configuration of a {@link TokenVerifier}. */
export interface TokenVerifierOptions {
  readonly trustedKeys: TrustedKeys;
  readonly now?: () => number;
  /** Allowed clock skew in ms (default 30 s). */
  readonly skewMs?: number;
  /** Entries of the signature cache; 0 disables it (default 1024). */
  readonly signatureCacheSize?: number;
}

/** Counters of the signature cache. */
export interface SignatureCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
}

function refuse(code: ErrorCode, token: CapabilityToken, message: string): AstridError {
  return new AstridError(code, `capability token ${token.id} ${message}`, { details: { tokenId: token.id } });
}

/**
 * Checks a token for one use. Only the ed25519 signature result is cached (by the token's
 * BLAKE3 hash, which covers the signature and every signed field); issuer trust, subject,
 * session, time, revocation, consumption and the resource match are checked on every call.
 * It does not consume single-use tokens: {@link CapabilityStore.authorize} does.
 */
export class TokenVerifier {
  private readonly trustedKeys: TrustedKeys;
  private readonly now: () => number;
  private readonly skewMs: number;
  // token hash -> key id that verified it. A hit means: these exact bytes carried a valid
  // signature by that key. Nothing else about the token is remembered.
  private readonly signatures: LruCache<string, string>;
  private hits = 0;
  private misses = 0;

  constructor(options: TokenVerifierOptions) {
    this.trustedKeys = options.trustedKeys;
    this.now = options.now ?? Date.now;
    this.skewMs = options.skewMs ?? DEFAULT_CLOCK_SKEW_MS;
    if (!Number.isSafeInteger(this.skewMs) || this.skewMs < 0) {
      throw new RangeError(`"skewMs" expected a non-negative integer, got ${this.skewMs}`);
    }
    const cacheSize = options.signatureCacheSize ?? DEFAULT_SIGNATURE_CACHE_SIZE;
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
      throw new RangeError(`"signatureCacheSize" expected a non-negative integer, got ${cacheSize}`);
    }
    this.signatures = new LruCache(cacheSize);
  }

  /**
   * Returns the parsed token when it authorizes `request` now; otherwise throws an
   * AstridError whose code names the first failed check (TOKEN_* or INVALID_ACTION).
   */
  verify(input: unknown, request: TokenRequest, state: TokenState): CapabilityToken {
    const entry = parseTokenEntry(input);
    const token = entry.token;

    // Issuer: the key must be trusted by id AND be the same key the token names, and we
    // verify with our copy of the key, never with the one the token carries.
    const issuer = this.trustedKeys.lookup(token.issuer_key_id);
    if (issuer === undefined || issuer.publicKeyHex !== token.issuer_public_key) {
      throw refuse(
        'TOKEN_UNTRUSTED_ISSUER',
        token,
        `was issued by ${token.issuer_key_id}, which is not a trusted key`,
      );
    }
    // A retired key signs nothing new; a token claiming a later issue time is forged (or
    // signed with a stolen key, whose holder could back-date it: rotation is not revocation).
    if (issuer.retiredAt !== null && token.issued_at > issuer.retiredAt) {
      throw refuse('TOKEN_UNTRUSTED_ISSUER', token, `claims issue after its key ${issuer.keyId} was retired`);
    }

    if (this.signatures.get(entry.hash) === issuer.keyId) {
      this.hits++;
    } else {
      this.misses++;
      const signature = fromHex('signature', token.signature, SIGNATURE_BYTES);
      if (!verify(signature, entry.payload, issuer.publicKey)) {
        throw refuse('TOKEN_SIGNATURE', token, 'has an invalid signature');
      }
      this.signatures.set(entry.hash, issuer.keyId);
    }

    if (token.subject !== request.principal) {
      throw refuse(
        'TOKEN_WRONG_SUBJECT',
        token,
        `was granted to another principal, not ${request.principal}`,
      );
    }
    if (token.scope === 'session' && token.session_id !== request.session) {
      throw refuse('TOKEN_WRONG_SESSION', token, 'belongs to another session');
    }

    const now = this.now();
    if (now < token.issued_at - this.skewMs) {
      throw refuse(
        'TOKEN_NOT_YET_VALID',
        token,
        `is not valid before ${new Date(token.issued_at).toISOString()}`,
      );
    }
    // Valid up to and including expires_at + skew; one millisecond later it is expired.
    if (now > token.expires_at + this.skewMs) {
      throw refuse('TOKEN_EXPIRED', token, `expired at ${new Date(token.expires_at).toISOString()}`);
    }
    if (state.isRevoked(token.id)) throw refuse('TOKEN_REVOKED', token, 'was revoked');
    if (token.single_use && state.isConsumed(token.id)) {
      throw refuse('TOKEN_CONSUMED', token, 'was single-use and has been used');
    }

    const problem = actionResourceProblem(request.action);
    if (problem !== undefined) {
      throw new AstridError('INVALID_ACTION', `no token may authorize this action: ${problem}`, {
        details: { tokenId: token.id },
      });
    }
    if (!entry.matchers.some((covers) => covers(request.action))) {
      throw refuse('TOKEN_NO_MATCH', token, `does not cover this ${request.action.kind} action`);
    }
    // Hashes are public values; no constant-time comparison needed.
    if (token.action_hash !== undefined && actionHash(request.action) !== token.action_hash) {
      throw refuse('TOKEN_ACTION_MISMATCH', token, 'is bound to a different exact action');
    }
    return token;
  }

  /** Forgets every cached signature result (the next verify of each token is a full one). */
  clearSignatureCache(): void {
    this.signatures.clear();
  }

  /** Hits, misses and size of the signature cache, for tests and benchmarks. */
  signatureCacheStats(): SignatureCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.signatures.size };
  }
}
