import { auditEntryId, principalId, sessionId, tokenId } from '@astrid/core';
import { blake3Hex, canonicalBytes, keyIdOf, toHex } from '@astrid/crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOKEN_TTL_MS,
  decodeToken,
  encodeToken,
  type MintParams,
  mintToken,
  parseToken,
  TokenVerifier,
  TrustedKeys,
  tokenHash,
} from '../src/index.js';
import { LruCache } from '../src/lru.js';
import {
  AGENT,
  AUDIT,
  codeOf,
  FakeClock,
  memorySigner,
  memoryState,
  readFile,
  SESSION,
  T0,
} from './helpers.js';

const signer = memorySigner();
const clock = new FakeClock();
const PARAMS: MintParams = {
  resources: [{ action: 'file_read', pattern: 'file:///ws/**' }],
  subject: AGENT,
  auditEntryId: AUDIT,
  scope: 'persistent',
};
const mint = (params: Partial<MintParams> = {}) =>
  mintToken(signer, { ...PARAMS, ...params } as MintParams, { now: clock.now });
const trusted = () => new TrustedKeys({ publicKeys: [toHex(signer.publicKey)] });

describe('mintToken', () => {
  it('fills every field, with a 1 h default lifetime', () => {
    const token = mint();
    expect(token).toMatchObject({
      version: 1,
      issued_at: T0,
      expires_at: T0 + DEFAULT_TOKEN_TTL_MS,
      scope: 'persistent',
      issuer_key_id: signer.keyId,
      issuer_public_key: toHex(signer.publicKey),
      subject: AGENT,
      audit_entry_id: AUDIT,
      single_use: false,
    });
    expect(DEFAULT_TOKEN_TTL_MS).toBe(3_600_000);
    expect(token.id).toMatch(/^tok_[a-z2-7]{26}$/);
    expect(token.session_id).toBeUndefined();
    expect(token.action_hash).toBeUndefined();
    expect(
      Object.isFrozen(token) && Object.isFrozen(token.resources) && Object.isFrozen(token.resources[0]),
    ).toBe(true);
  });

  it('takes the lifetime from the call, else from the configured default', () => {
    expect(mint({ ttlMs: 5000 }).expires_at).toBe(T0 + 5000);
    const token = mintToken(signer, PARAMS, { now: clock.now, defaultTtlMs: 60_000 });
    expect(token.expires_at).toBe(T0 + 60_000);
    expect(() => mint({ ttlMs: 0 })).toThrow(/"ttlMs" expected a positive integer/);
    expect(() => mint({ ttlMs: 1.5 })).toThrow(RangeError);
  });

  it('requires a session id exactly for session scope', () => {
    expect(mint({ scope: 'session', sessionId: SESSION }).session_id).toBe(SESSION);
    expect(() => mint({ scope: 'session' })).toThrow(/"sessionId" is required/);
    expect(() => mint({ sessionId: SESSION })).toThrow(/"sessionId" must be omitted/);
  });

  it('validates ids and the action hash', () => {
    expect(() => mint({ subject: 'has space' as never })).toThrow(RangeError);
    expect(() => mint({ auditEntryId: auditEntryId('a'), actionHash: 'ABC' })).toThrow(/"actionHash"/);
    expect(mint({ id: tokenId('tok_fixed') }).id).toBe('tok_fixed');
  });

  it('refuses a signer that signs with another key than it announces', () => {
    const liar = { ...signer, keyId: keyIdOf(memorySigner().publicKey) };
    expect(codeOf(() => mintToken(liar, PARAMS))).toBe('KEY_INVALID');
  });
});

describe('token shape', () => {
  const base = () => JSON.parse(JSON.stringify(mint())) as Record<string, unknown>;

  it('refuses malformed tokens with TOKEN_MALFORMED', () => {
    const cases: Array<Record<string, unknown>> = [
      { ...base(), extra: 1 },
      { ...base(), version: 2 },
      { ...base(), scope: 'session' },
      { ...base(), session_id: 'sess-1' },
      { ...base(), signature: (base().signature as string).toUpperCase() },
      { ...base(), expires_at: T0 },
      { ...base(), issued_at: 1.5 },
      { ...base(), resources: [] },
      { ...base(), resources: [{ action: 'file_read', pattern: 'file:///ws/**', extra: true }] },
      { ...base(), resources: [{ action: 'execute_command', argv: ['git'] }] },
      { ...base(), resources: [{ action: 'execute_command', pattern: 'exec://git' }] },
      { ...base(), action_hash: 'xyz' },
    ];
    for (const input of cases)
      expect(
        codeOf(() => parseToken(input)),
        JSON.stringify(input),
      ).toBe('TOKEN_MALFORMED');
    expect(codeOf(() => parseToken(null))).toBe('TOKEN_MALFORMED');
    expect(codeOf(() => parseToken('token'))).toBe('TOKEN_MALFORMED');
  });

  it('does not share state with its input', () => {
    const input = base();
    const token = parseToken(input);
    (input.resources as Array<Record<string, unknown>>)[0]!.pattern = 'file:///**';
    expect(token.resources[0]).toEqual({ action: 'file_read', pattern: 'file:///ws/**' });
  });

  it('round-trips through its canonical encoding and refuses any other encoding', () => {
    const token = mint({ scope: 'session', sessionId: sessionId('s'), singleUse: true });
    const bytes = encodeToken(token);
    expect(decodeToken(bytes)).toEqual(token);
    expect(decodeToken(Buffer.from(bytes).toString('utf8'))).toEqual(token);
    expect(codeOf(() => decodeToken(JSON.stringify(token, null, 1)))).toBe('TOKEN_MALFORMED');
    expect(codeOf(() => decodeToken(new Uint8Array([0xff, 0xfe])))).toBe('TOKEN_MALFORMED');
    expect(codeOf(() => decodeToken('{'))).toBe('TOKEN_MALFORMED');
  });

  it('hashes the canonical bytes including the signature', () => {
    const token = mint();
    expect(tokenHash(token)).toBe(blake3Hex(canonicalBytes(token)));
  });
});

describe('signature cache', () => {
  it('verifies a signature once per token bytes, checking everything else each time', () => {
    const verifier = new TokenVerifier({ trustedKeys: trusted(), now: clock.now });
    const token = mint();
    const state = memoryState();
    const request = { action: readFile('/ws/a'), principal: AGENT };
    verifier.verify(token, request, state);
    verifier.verify(token, request, state);
    // A plain copy is parsed again but hits the cache by hash.
    verifier.verify(JSON.parse(JSON.stringify(token)), request, state);
    expect(verifier.signatureCacheStats()).toEqual({ hits: 2, misses: 1, size: 1 });
    state.revoked.add(token.id);
    expect(codeOf(() => verifier.verify(token, request, state))).toBe('TOKEN_REVOKED');
    verifier.clearSignatureCache();
    expect(verifier.signatureCacheStats().size).toBe(0);
  });

  it('can be disabled, so every verify checks the signature', () => {
    const verifier = new TokenVerifier({ trustedKeys: trusted(), now: clock.now, signatureCacheSize: 0 });
    const token = mint();
    for (let i = 0; i < 3; i++)
      verifier.verify(token, { action: readFile('/ws/a'), principal: AGENT }, memoryState());
    expect(verifier.signatureCacheStats()).toEqual({ hits: 0, misses: 3, size: 0 });
  });

  it('refuses invalid verifier options, naming them', () => {
    expect(() => new TokenVerifier({ trustedKeys: trusted(), signatureCacheSize: -1 })).toThrow(
      /"signatureCacheSize"/,
    );
    expect(() => new TokenVerifier({ trustedKeys: trusted(), skewMs: 0.5 })).toThrow(/"skewMs"/);
  });

  it('is a bounded LRU', () => {
    const lru = new LruCache<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.size]).toEqual([1, undefined, 3, 2]);
    expect(() => new LruCache(-1)).toThrow(RangeError);
  });
});

describe('trusted keys', () => {
  it('trusts a configured public key and nothing else', () => {
    const keys = trusted();
    expect(keys.lookup(signer.keyId)?.publicKeyHex).toBe(toHex(signer.publicKey));
    expect(keys.lookup(memorySigner().keyId)).toBeUndefined();
    expect(() => new TrustedKeys({ publicKeys: ['abcd'] })).toThrow(/"publicKeys\[0\]" expected 32 bytes/);
  });

  it('ignores a history entry whose id does not belong to its key', () => {
    const other = memorySigner();
    const keys = new TrustedKeys({
      history: () => [
        { keyId: signer.keyId, publicKey: toHex(other.publicKey), createdAt: 0, retiredAt: null },
      ],
    });
    expect(keys.lookup(signer.keyId)).toBeUndefined();
    expect(keys.lookup(other.keyId)).toBeUndefined();
  });

  it('refuses a token that claims to be issued by a retired key after its retirement', () => {
    const keys = new TrustedKeys({
      history: () => [
        { keyId: signer.keyId, publicKey: toHex(signer.publicKey), createdAt: 0, retiredAt: T0 },
      ],
    });
    const verifier = new TokenVerifier({ trustedKeys: keys, now: clock.now });
    const before = mintToken(signer, PARAMS, { now: () => T0 });
    const after = mintToken(signer, PARAMS, { now: () => T0 + 1 });
    const request = { action: readFile('/ws/a'), principal: principalId('agent-1') };
    expect(verifier.verify(before, request, memoryState()).id).toBe(before.id);
    expect(codeOf(() => verifier.verify(after, request, memoryState()))).toBe('TOKEN_UNTRUSTED_ISSUER');
  });

  it('refuses a token whose key id is trusted but whose embedded public key differs', () => {
    const verifier = new TokenVerifier({ trustedKeys: trusted(), now: clock.now });
    const token = JSON.parse(JSON.stringify(mint()));
    token.issuer_public_key = toHex(memorySigner().publicKey);
    expect(
      codeOf(() => verifier.verify(token, { action: readFile('/ws/a'), principal: AGENT }, memoryState())),
    ).toBe('TOKEN_UNTRUSTED_ISSUER');
  });
});
