/**
 * The local error family. Every failure Astrid reports carries one of these string codes,
 * so callers branch on `code`, never on message text. Changing this table is a visible
 * decision: a test pins it.
 */
export const ERROR_CODES = {
  // input and configuration
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INVALID_ACTION: 'INVALID_ACTION',
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_TOO_LARGE: 'CONFIG_TOO_LARGE',
  CONFIG_PARSE: 'CONFIG_PARSE',
  CANONICAL_JSON: 'CANONICAL_JSON',
  // keys and signatures
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  KEY_EXISTS: 'KEY_EXISTS',
  KEY_PERMISSIONS: 'KEY_PERMISSIONS',
  KEY_INVALID: 'KEY_INVALID',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  // storage
  STORAGE_LOCKED: 'STORAGE_LOCKED',
  STORAGE_UNSAFE_HOME: 'STORAGE_UNSAFE_HOME',
  STORAGE_FAILURE: 'STORAGE_FAILURE',
  STORAGE_CLOSED: 'STORAGE_CLOSED',
  // capability tokens
  TOKEN_MALFORMED: 'TOKEN_MALFORMED',
  TOKEN_SIGNATURE: 'TOKEN_SIGNATURE',
  TOKEN_UNTRUSTED_ISSUER: 'TOKEN_UNTRUSTED_ISSUER',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  TOKEN_NOT_YET_VALID: 'TOKEN_NOT_YET_VALID',
  TOKEN_REVOKED: 'TOKEN_REVOKED',
  TOKEN_CONSUMED: 'TOKEN_CONSUMED',
  TOKEN_WRONG_SUBJECT: 'TOKEN_WRONG_SUBJECT',
  TOKEN_WRONG_SESSION: 'TOKEN_WRONG_SESSION',
  TOKEN_NO_MATCH: 'TOKEN_NO_MATCH',
  TOKEN_ACTION_MISMATCH: 'TOKEN_ACTION_MISMATCH',
  // audit
  AUDIT_APPEND_FAILED: 'AUDIT_APPEND_FAILED',
  AUDIT_CORRUPT: 'AUDIT_CORRUPT',
  // the interceptor and its outcomes (used from #3 on)
  POLICY_DENIED: 'POLICY_DENIED',
  APPROVAL_DENIED: 'APPROVAL_DENIED',
  APPROVAL_EXPIRED: 'APPROVAL_EXPIRED',
  APPROVAL_CANCELLED: 'APPROVAL_CANCELLED',
  APPROVAL_NOT_FOUND: 'APPROVAL_NOT_FOUND',
  APPROVAL_ALREADY_RESOLVED: 'APPROVAL_ALREADY_RESOLVED',
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',
  PATH_ESCAPE: 'PATH_ESCAPE',
  WORKSPACE_INVALID: 'WORKSPACE_INVALID',
  AUTHORIZATION_INVALID: 'AUTHORIZATION_INVALID',
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  INTERNAL: 'INTERNAL',
  // Append only from here: the wire error number of a code is derived from its position.
  SANDBOX_UNAVAILABLE: 'SANDBOX_UNAVAILABLE',
  DAEMON_UNAVAILABLE: 'DAEMON_UNAVAILABLE',
  ELICITATION_NOT_FOUND: 'ELICITATION_NOT_FOUND',
  ELICITATION_ALREADY_RESOLVED: 'ELICITATION_ALREADY_RESOLVED',
  TOKEN_NOT_FOUND: 'TOKEN_NOT_FOUND',
} as const;

/** One of the string codes in {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Options for {@link AstridError}: the underlying cause and structured, secret-free details. */
export interface AstridErrorOptions {
  cause?: unknown;
  details?: Readonly<Record<string, unknown>>;
}

/** A local Astrid error: a stable string `code`, a message a user can act on, and its `cause`. */
export class AstridError extends Error {
  override readonly name = 'AstridError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: AstridErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/** True when `err` is an {@link AstridError}, optionally with the given code. */
export function isAstridError(err: unknown, code?: ErrorCode): err is AstridError {
  return err instanceof AstridError && (code === undefined || err.code === code);
}
