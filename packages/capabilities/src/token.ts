import {
  ActionKindSchema,
  AstridError,
  type AuditEntryId,
  IdSchema,
  type KeyId,
  type PrincipalId,
  type SessionId,
  type TokenId,
} from '@astrid/core';
import { blake3Hex, canonicalBytes, canonicalJson } from '@astrid/crypto';
import { z } from 'zod';
import { compileResource, type ResourceMatcher, resourceProblem, type TokenResource } from './resource.js';

/** The token format version this package mints and accepts. */
export const TOKEN_VERSION = 1;
/** Limits that keep a token small enough to parse and match cheaply. */
export const MAX_RESOURCES = 64;
export const MAX_PATTERN_LENGTH = 4096;
export const MAX_ARGV_PATTERNS = 256;

/** Whether a token lives for one session or until it expires across sessions. */
export type TokenScope = 'session' | 'persistent';

interface TokenFields {
  readonly version: 1;
  readonly id: TokenId;
  readonly resources: readonly TokenResource[];
  /** Milliseconds since the epoch. */
  readonly issued_at: number;
  /** Milliseconds since the epoch; always set. */
  readonly expires_at: number;
  readonly issuer_key_id: KeyId;
  /** The issuer's 32-byte ed25519 public key, lower-case hex. */
  readonly issuer_public_key: string;
  /** The principal the token was granted to; only it may use the token. */
  readonly subject: PrincipalId;
  /** The audit entry that recorded the grant. */
  readonly audit_entry_id: AuditEntryId;
  readonly single_use: boolean;
  /** When set, the token authorizes only the action whose `actionHash` is this (hex). */
  readonly action_hash?: string;
}

/** Everything a token says, before it is signed; `session_id` is present iff scope is `session`. */
export type UnsignedToken = TokenFields &
  (
    | { readonly scope: 'session'; readonly session_id: SessionId }
    | { readonly scope: 'persistent'; readonly session_id?: undefined }
  );

/** A signed capability token: ed25519 (hex) over the canonical JSON of all other fields. */
export type CapabilityToken = UnsignedToken & { readonly signature: string };

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `expected ${bytes} bytes of lower-case hex`);
// Integer milliseconds; zod's int() also limits to safe integers.
const Millis = z.number().int().nonnegative();

const UriResourceSchema = z.strictObject({
  action: ActionKindSchema.exclude(['execute_command']),
  pattern: z.string().min(1).max(MAX_PATTERN_LENGTH),
});
const ArgvResourceSchema = z.strictObject({
  action: z.literal('execute_command'),
  argv: z.array(z.string().max(MAX_PATTERN_LENGTH)).min(1).max(MAX_ARGV_PATTERNS),
  trailing: z.enum(['none', 'any']),
});
/** zod schema of one granted resource (shape only; {@link resourceProblem} checks the globs). */
export const TokenResourceSchema = z.discriminatedUnion('action', [ArgvResourceSchema, UriResourceSchema]);

const fields = {
  version: z.literal(TOKEN_VERSION),
  id: IdSchema,
  resources: z.array(TokenResourceSchema).min(1).max(MAX_RESOURCES),
  issued_at: Millis,
  expires_at: Millis,
  issuer_key_id: IdSchema,
  issuer_public_key: hex(32),
  subject: IdSchema,
  audit_entry_id: IdSchema,
  single_use: z.boolean(),
  action_hash: hex(32).optional(),
  // Lower-case only: with case-insensitive hex, flipping one bit (a <-> A) would give a
  // second encoding of the same signature.
  signature: hex(64),
};
// Strict objects: an unknown field is refused rather than silently dropped, because dropping
// it would let an unsigned field ride along on a validly signed token.
const TokenSchema = z
  .discriminatedUnion('scope', [
    z.strictObject({ ...fields, scope: z.literal('session'), session_id: IdSchema }),
    z.strictObject({ ...fields, scope: z.literal('persistent') }),
  ])
  .refine((t) => t.expires_at > t.issued_at, { message: 'must be after issued_at', path: ['expires_at'] });

/** A parsed token with what verification needs, computed once per token object. */
export interface ParsedToken {
  readonly token: CapabilityToken;
  /** Canonical JSON bytes of everything but the signature: what was signed. */
  readonly payload: Uint8Array;
  /** BLAKE3 (hex) of the canonical bytes of the whole token, signature included. */
  readonly hash: string;
  readonly matchers: readonly ResourceMatcher[];
}

// Token objects this module produced: deep-frozen, so their bytes, hash and matchers cannot
// go stale. Only objects we froze ourselves are ever keys, so a look-alike copy or a Proxy
// is parsed from scratch.
const parsed = new WeakMap<object, ParsedToken>();

function malformed(message: string, cause?: unknown): AstridError {
  return new AstridError('TOKEN_MALFORMED', `capability token is malformed: ${message}`, { cause });
}

function deepFreeze(token: CapabilityToken): CapabilityToken {
  for (const r of token.resources) {
    if (r.action === 'execute_command') Object.freeze(r.argv);
    Object.freeze(r);
  }
  Object.freeze(token.resources);
  return Object.freeze(token);
}

/** The canonical bytes a token's signature covers: every field except `signature`. */
export function signedBytes(token: UnsignedToken): Uint8Array {
  const { signature: _ignored, ...rest } = token as UnsignedToken & { signature?: string };
  return canonicalBytes(rest);
}

/**
 * Validates untrusted input as a token (TOKEN_MALFORMED otherwise) and returns the parsed form.
 * Checks shape only: the signature and everything else are checked by the verifier.
 */
export function parseTokenEntry(input: unknown): ParsedToken {
  if (typeof input === 'object' && input !== null) {
    const known = parsed.get(input);
    if (known !== undefined) return known;
  }
  const result = TokenSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw malformed(`${where}: ${issue?.message ?? 'invalid'}`, result.error);
  }
  // The cast adds the id brands: IdSchema checks the same pattern as core's id parsers.
  const token = deepFreeze(result.data as unknown as CapabilityToken);
  const matchers: ResourceMatcher[] = [];
  for (let i = 0; i < token.resources.length; i++) {
    const resource = token.resources[i] as TokenResource;
    const problem = resourceProblem(resource);
    if (problem !== undefined) throw malformed(`resources.${i}: ${problem}`);
    matchers.push(compileResource(resource));
  }
  let payload: Uint8Array;
  let hash: string;
  try {
    payload = signedBytes(token);
    hash = blake3Hex(canonicalBytes(token));
  } catch (err) {
    throw malformed((err as Error).message, err);
  }
  const entry: ParsedToken = { token, payload, hash, matchers };
  parsed.set(token, entry);
  return entry;
}

/** Validates untrusted input as a {@link CapabilityToken} (deep-frozen); TOKEN_MALFORMED otherwise. */
export function parseToken(input: unknown): CapabilityToken {
  return parseTokenEntry(input).token;
}

/** BLAKE3 (hex) of the token's canonical bytes, signature included: the signature cache key. */
export function tokenHash(token: CapabilityToken): string {
  return parseTokenEntry(token).hash;
}

/** The token's canonical JSON bytes (the wire and storage form). */
export function encodeToken(token: CapabilityToken): Uint8Array {
  return canonicalBytes(parseToken(token));
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a token from its canonical JSON (bytes or text). Refuses any other encoding of the
 * same token (whitespace, key order, escapes, duplicate keys), so one token has one byte form.
 */
export function decodeToken(encoded: Uint8Array | string): CapabilityToken {
  let text: string;
  let value: unknown;
  try {
    text = typeof encoded === 'string' ? encoded : utf8Decoder.decode(encoded);
    value = JSON.parse(text);
  } catch (err) {
    throw malformed('not valid UTF-8 JSON', err);
  }
  const token = parseToken(value);
  if (canonicalJson(token) !== text) throw malformed('not in canonical JSON form');
  return token;
}
