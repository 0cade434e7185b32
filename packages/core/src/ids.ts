import { z } from 'zod';

declare const brand: unique symbol;
/** A nominal type: `T` tagged so that ids of different kinds cannot be mixed up. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type SessionId = Brand<string, 'SessionId'>;
export type TokenId = Brand<string, 'TokenId'>;
export type ApprovalId = Brand<string, 'ApprovalId'>;
export type AuditEntryId = Brand<string, 'AuditEntryId'>;
export type AuditSeq = Brand<number, 'AuditSeq'>;
export type KeyId = Brand<string, 'KeyId'>;
/** Who an action is performed for: a user, an agent session, a capsule, a sub-agent. */
export type PrincipalId = Brand<string, 'PrincipalId'>;

// Ids are printable, bounded and free of separators used in storage keys and URIs.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function idParser<B extends string>(label: string) {
  return (value: unknown): Brand<string, B> => {
    if (typeof value !== 'string') throw new TypeError(`"${label}" expected a string, got ${typeof value}`);
    if (!ID_PATTERN.test(value)) {
      throw new RangeError(
        `"${label}" must be 1-128 characters of [A-Za-z0-9_.:-], got ${JSON.stringify(value)}`,
      );
    }
    return value as Brand<string, B>;
  };
}

/** Validates and brands a session id. */
export const sessionId = idParser<'SessionId'>('sessionId');
/** Validates and brands a capability token id. */
export const tokenId = idParser<'TokenId'>('tokenId');
/** Validates and brands an approval request id. */
export const approvalId = idParser<'ApprovalId'>('approvalId');
/** Validates and brands an audit entry id. */
export const auditEntryId = idParser<'AuditEntryId'>('auditEntryId');
/** Validates and brands a key id. */
export const keyId = idParser<'KeyId'>('keyId');
/** Validates and brands a principal id. */
export const principalId = idParser<'PrincipalId'>('principalId');

/** Validates and brands an audit sequence number (a non-negative safe integer). */
export function auditSeq(value: unknown): AuditSeq {
  if (typeof value !== 'number') throw new TypeError(`"auditSeq" expected a number, got ${typeof value}`);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"auditSeq" expected a non-negative safe integer, got ${value}`);
  }
  return value as AuditSeq;
}

/** zod schema for any id string (brand it with the matching parser after validation). */
export const IdSchema = z.string().regex(ID_PATTERN, 'expected 1-128 characters of [A-Za-z0-9_.:-]');
