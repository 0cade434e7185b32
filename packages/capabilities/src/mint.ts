import {
  AstridError,
  type AuditEntryId,
  auditEntryId,
  type KeyId,
  type PrincipalId,
  principalId,
  type SessionId,
  sessionId,
  type TokenId,
  tokenId,
} from '@astrid/core';
import { randomId, toHex } from '@astrid/crypto';
import { resourceProblem, type TokenResource, type UriResource } from './resource.js';
import {
  type CapabilityToken,
  MAX_RESOURCES,
  parseToken,
  signedBytes,
  TOKEN_VERSION,
  TokenResourceSchema,
  type TokenScope,
  type UnsignedToken,
} from './token.js';

/** "Allow Always" tokens live one hour unless configured otherwise. */
export const DEFAULT_TOKEN_TTL_MS = 60 * 60 * 1000;

/** What mints tokens: a key id, its public key, and a signature. `RuntimeKeyRing` is one. */
export interface TokenSigner {
  readonly keyId: KeyId;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): { keyId: KeyId; signature: Uint8Array };
}

/** An argv grant as a caller writes it; `trailing` defaults to `'none'` (exact length). */
export interface ArgvResourceInput {
  readonly action: 'execute_command';
  readonly argv: readonly string[];
  readonly trailing?: 'none' | 'any';
}

/** A resource as a caller writes it when minting. */
export type TokenResourceInput = UriResource | ArgvResourceInput;

/** What to grant, to whom, for how long. */
export interface MintParams {
  readonly resources: readonly TokenResourceInput[];
  readonly subject: PrincipalId;
  /** The audit entry recording the decision that grants this token. */
  readonly auditEntryId: AuditEntryId;
  readonly scope: TokenScope;
  /** Required iff `scope` is `session`. */
  readonly sessionId?: SessionId;
  /** Lifetime in ms; the minter's default (1 h unless configured) when omitted. */
  readonly ttlMs?: number;
  readonly singleUse?: boolean;
  /** Binds the token to one exact action: its `actionHash` (64 hex). */
  readonly actionHash?: string;
  /** A chosen id (tests, imports); a random `tok_` id when omitted. */
  readonly id?: TokenId;
}

/** Clock and default lifetime for minting. */
export interface MintOptions {
  readonly now?: () => number;
  readonly defaultTtlMs?: number;
}

function checkTtl(name: string, ttl: number): number {
  if (!Number.isSafeInteger(ttl) || ttl <= 0)
    throw new RangeError(`"${name}" expected a positive integer, got ${ttl}`);
  return ttl;
}

function normaliseResources(input: readonly TokenResourceInput[]): TokenResource[] {
  if (!Array.isArray(input)) throw new TypeError(`"resources" expected an array, got ${typeof input}`);
  if (input.length === 0 || input.length > MAX_RESOURCES) {
    throw new RangeError(`"resources" expected 1-${MAX_RESOURCES} entries, got ${input.length}`);
  }
  return input.map((raw, i) => {
    // Copy, so that a caller mutating its array later cannot change what was validated.
    const candidate =
      raw.action === 'execute_command'
        ? {
            action: raw.action,
            argv: Array.isArray(raw.argv) ? [...raw.argv] : raw.argv,
            trailing: raw.trailing ?? 'none',
          }
        : raw;
    const result = TokenResourceSchema.safeParse(candidate);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = ['resources', i, ...(issue?.path ?? [])].join('.');
      throw new RangeError(`"${where}" ${issue?.message ?? 'is invalid'}`);
    }
    const problem = resourceProblem(result.data);
    if (problem !== undefined) throw new RangeError(`"resources.${i}" ${problem}`);
    return result.data;
  });
}

/**
 * Mints a signed token. Every argument is checked here (TypeError/RangeError naming it), so
 * a token that would be refused at verification is never signed.
 */
export function mintToken(
  signer: TokenSigner,
  params: MintParams,
  options: MintOptions = {},
): CapabilityToken {
  const now = (options.now ?? Date.now)();
  if (!Number.isSafeInteger(now) || now < 0)
    throw new RangeError(`"now()" expected integer milliseconds, got ${now}`);
  const ttl = checkTtl(
    'ttlMs',
    params.ttlMs ?? checkTtl('defaultTtlMs', options.defaultTtlMs ?? DEFAULT_TOKEN_TTL_MS),
  );
  const resources = normaliseResources(params.resources);
  if (params.actionHash !== undefined && !/^[0-9a-f]{64}$/.test(params.actionHash)) {
    throw new RangeError('"actionHash" expected 64 lower-case hex characters');
  }
  const common = {
    version: TOKEN_VERSION,
    id: params.id === undefined ? tokenId(randomId('tok')) : tokenId(params.id),
    resources,
    issued_at: now,
    expires_at: now + ttl,
    issuer_key_id: signer.keyId,
    issuer_public_key: toHex(signer.publicKey),
    subject: principalId(params.subject),
    audit_entry_id: auditEntryId(params.auditEntryId),
    single_use: params.singleUse === true,
    ...(params.actionHash === undefined ? {} : { action_hash: params.actionHash }),
  } as const;
  let unsigned: UnsignedToken;
  if (params.scope === 'session') {
    if (params.sessionId === undefined)
      throw new TypeError('"sessionId" is required for a session-scoped token');
    unsigned = { ...common, scope: 'session', session_id: sessionId(params.sessionId) };
  } else if (params.scope === 'persistent') {
    if (params.sessionId !== undefined)
      throw new RangeError('"sessionId" must be omitted for a persistent token');
    unsigned = { ...common, scope: 'persistent' };
  } else {
    throw new RangeError(`"scope" expected "session" or "persistent", got ${JSON.stringify(params.scope)}`);
  }
  const { keyId, signature } = signer.sign(signedBytes(unsigned));
  // A signer that rotated between reading keyId and signing would produce a token that names
  // the wrong issuer; refuse rather than hand out a token that can never verify.
  if (keyId !== unsigned.issuer_key_id) {
    throw new AstridError(
      'KEY_INVALID',
      `signer signed with ${keyId} but announced ${unsigned.issuer_key_id}`,
    );
  }
  return parseToken({ ...unsigned, signature: toHex(signature) });
}
