import { describe, expect, it } from 'vitest';
import { AstridError, ERROR_CODES, type ErrorCode, isAstridError } from '../src/index.js';

describe('ERROR_CODES', () => {
  it('is exactly this table (changing a code is a visible decision)', () => {
    expect(Object.keys(ERROR_CODES)).toEqual([
      'INVALID_ARGUMENT',
      'INVALID_ACTION',
      'CONFIG_INVALID',
      'CONFIG_TOO_LARGE',
      'CONFIG_PARSE',
      'CANONICAL_JSON',
      'KEY_NOT_FOUND',
      'KEY_EXISTS',
      'KEY_PERMISSIONS',
      'KEY_INVALID',
      'SIGNATURE_INVALID',
      'STORAGE_LOCKED',
      'STORAGE_UNSAFE_HOME',
      'STORAGE_FAILURE',
      'STORAGE_CLOSED',
      'TOKEN_MALFORMED',
      'TOKEN_SIGNATURE',
      'TOKEN_UNTRUSTED_ISSUER',
      'TOKEN_EXPIRED',
      'TOKEN_NOT_YET_VALID',
      'TOKEN_REVOKED',
      'TOKEN_CONSUMED',
      'TOKEN_WRONG_SUBJECT',
      'TOKEN_WRONG_SESSION',
      'TOKEN_NO_MATCH',
      'TOKEN_ACTION_MISMATCH',
      'AUDIT_APPEND_FAILED',
      'AUDIT_CORRUPT',
      'POLICY_DENIED',
      'APPROVAL_DENIED',
      'APPROVAL_EXPIRED',
      'APPROVAL_CANCELLED',
      'APPROVAL_NOT_FOUND',
      'APPROVAL_ALREADY_RESOLVED',
      'BUDGET_EXCEEDED',
      'PATH_ESCAPE',
      'WORKSPACE_INVALID',
      'AUTHORIZATION_INVALID',
      'SESSION_NOT_FOUND',
      'INTERNAL',
      'SANDBOX_UNAVAILABLE',
      'DAEMON_UNAVAILABLE',
      'ELICITATION_NOT_FOUND',
      'ELICITATION_ALREADY_RESOLVED',
      'TOKEN_NOT_FOUND',
    ]);
  });

  it('maps every code to itself, so a code survives JSON and logs unchanged', () => {
    for (const [key, value] of Object.entries(ERROR_CODES)) expect(value).toBe(key);
  });
});

describe('AstridError', () => {
  it('keeps code, message, cause and details', () => {
    const cause = new Error('disk full');
    const err = new AstridError('STORAGE_FAILURE', 'put failed', { cause, details: { store: 'audit' } });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AstridError');
    expect(err.code).toBe('STORAGE_FAILURE');
    expect(err.message).toBe('put failed');
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ store: 'audit' });
    expect(err.stack).toContain('put failed');
  });

  it('has no cause or details when none are given', () => {
    const err = new AstridError('INTERNAL', 'oops');
    expect('cause' in err).toBe(false);
    expect(err.details).toBeUndefined();
  });

  it('keeps a falsy cause such as 0 or an empty string', () => {
    expect(new AstridError('INTERNAL', 'x', { cause: 0 }).cause).toBe(0);
    expect(new AstridError('INTERNAL', 'x', { cause: '' }).cause).toBe('');
  });
});

describe('isAstridError', () => {
  const err = new AstridError('KEY_EXISTS', 'exists');

  it('recognises an AstridError, with or without a code', () => {
    expect(isAstridError(err)).toBe(true);
    expect(isAstridError(err, 'KEY_EXISTS')).toBe(true);
    expect(isAstridError(err, 'KEY_NOT_FOUND')).toBe(false);
  });

  it('rejects other errors, including look-alikes carrying a code', () => {
    const lookAlike = Object.assign(new Error('exists'), {
      code: 'KEY_EXISTS' as ErrorCode,
      name: 'AstridError',
    });
    expect(isAstridError(lookAlike)).toBe(false);
    expect(isAstridError(new TypeError('x'))).toBe(false);
    expect(isAstridError({ code: 'KEY_EXISTS' })).toBe(false);
    expect(isAstridError(undefined)).toBe(false);
  });
});
