// Each test here is an attack on a token, and each asserts the specific error code of the
// check that stops it: with that check removed, the attack either succeeds or is stopped by
// another check with another code, so the test fails.
import { type SensitiveAction, tokenId } from '@astrid/core';
import { actionHash, fromHex, sign, toHex } from '@astrid/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CapabilityToken,
  decodeToken,
  encodeToken,
  mintToken,
  signedBytes,
  type UnsignedToken,
} from '../src/index.js';
import {
  AGENT,
  action,
  asyncCodeOf,
  codeOf,
  FaultyDatabase,
  type Fixture,
  memorySigner,
  OTHER_AGENT,
  OTHER_SESSION,
  openFixture,
  READ_A,
  readFile,
  SESSION,
  WS_ALL,
} from './helpers.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await openFixture();
});
afterEach(async () => {
  await fx.close();
});

/** Signs arbitrary token fields with the runtime key, bypassing mint's argument checks. */
function signWithRuntimeKey(unsigned: UnsignedToken): CapabilityToken {
  return { ...unsigned, signature: toHex(fx.ring.sign(signedBytes(unsigned)).signature) } as CapabilityToken;
}

function withoutSignature(token: CapabilityToken): UnsignedToken {
  const { signature: _sig, ...rest } = token;
  return rest as UnsignedToken;
}

describe('tampering', () => {
  it('refuses a token with one flipped bit in its payload', async () => {
    const token = await fx.store.mint({ ...WS_ALL, id: tokenId('tok_test1') });
    expect(fx.store.verify(token, { action: READ_A, principal: AGENT })).toBe(token);
    const bytes = encodeToken(token);
    const at = Buffer.from(bytes).indexOf('tok_test1') + 'tok_test'.length;
    const flipped = bytes.slice();
    flipped[at] = (flipped[at] ?? 0) ^ 0x01; // '1' -> '0': still a well-formed id
    const forged = decodeToken(flipped);
    expect(forged.id).toBe('tok_test0');
    expect(codeOf(() => fx.store.verify(forged, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_SIGNATURE',
    );
  });

  it('refuses a token with one flipped bit in its signature', async () => {
    const token = await fx.store.mint(WS_ALL);
    const signature = fromHex('signature', token.signature);
    signature[17] = (signature[17] ?? 0) ^ 0x10;
    const forged = { ...token, signature: toHex(signature) };
    expect(codeOf(() => fx.store.verify(forged, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_SIGNATURE',
    );
  });

  it('refuses a resource widened after signing, even once the original is cached', async () => {
    const token = await fx.store.mint(WS_ALL);
    fx.store.verify(token, { action: READ_A, principal: AGENT });
    const etc = readFile('/etc/passwd');
    const widened = { ...token, resources: [{ action: 'file_read', pattern: 'file:///**' }] };
    expect(codeOf(() => fx.store.verify(widened, { action: etc, principal: AGENT }))).toBe('TOKEN_SIGNATURE');
    // The token object itself is frozen, so it cannot be widened in place either.
    expect(() => {
      (token.resources as unknown as unknown[])[0] = { action: 'file_read', pattern: 'file:///**' };
    }).toThrow(TypeError);
    expect(codeOf(() => fx.store.verify(token, { action: etc, principal: AGENT }))).toBe('TOKEN_NO_MATCH');
  });
});

describe('issuer', () => {
  it('refuses a token minted by a key this runtime does not trust', () => {
    const stranger = mintToken(memorySigner(), WS_ALL, { now: fx.clock.now });
    expect(codeOf(() => fx.store.verify(stranger, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_UNTRUSTED_ISSUER',
    );
  });

  it('refuses a token that names the runtime key but was signed by another key', async () => {
    const genuine = await fx.store.mint(WS_ALL);
    const other = memorySigner();
    const unsigned = withoutSignature(genuine);
    const forged = { ...unsigned, signature: toHex(sign(signedBytes(unsigned), other.secretKey)) };
    expect(codeOf(() => fx.store.verify(forged, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_SIGNATURE',
    );
  });

  it('accepts a token signed by an archived (rotated) key, while an unknown key is refused', async () => {
    const old = await fx.store.mint(WS_ALL);
    const { previous } = await fx.ring.rotate(fx.clock.now);
    expect(old.issuer_key_id).toBe(previous);
    fx.clock.advance(1000);
    expect(fx.store.verify(old, { action: READ_A, principal: AGENT }).id).toBe(old.id);
    const fresh = await fx.store.mint(WS_ALL);
    expect(fresh.issuer_key_id).not.toBe(previous);
    expect(fx.store.verify(fresh, { action: READ_A, principal: AGENT }).id).toBe(fresh.id);
    const unknown = mintToken(memorySigner(), WS_ALL, { now: fx.clock.now });
    expect(codeOf(() => fx.store.verify(unknown, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_UNTRUSTED_ISSUER',
    );
  });
});

describe('time', () => {
  it('accepts a token up to exactly expires_at + 30 s and refuses it 1 ms later', async () => {
    const token = await fx.store.mint({ ...WS_ALL, ttlMs: 60_000 });
    fx.clock.t = token.expires_at + 30_000;
    expect(fx.store.verify(token, { action: READ_A, principal: AGENT }).id).toBe(token.id);
    fx.clock.t += 1;
    expect(codeOf(() => fx.store.verify(token, { action: READ_A, principal: AGENT }))).toBe('TOKEN_EXPIRED');
  });

  it('refuses a token before issued_at - 30 s and accepts it at exactly that instant', async () => {
    const token = await fx.store.mint(WS_ALL);
    fx.clock.t = token.issued_at - 30_001;
    expect(codeOf(() => fx.store.verify(token, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_NOT_YET_VALID',
    );
    fx.clock.t += 1;
    expect(fx.store.verify(token, { action: READ_A, principal: AGENT }).id).toBe(token.id);
  });
});

describe('revocation and consumption', () => {
  it('refuses a token revoked after its signature was cached, also after reopening', async () => {
    const token = await fx.store.mint(WS_ALL);
    await fx.store.authorize(token, { action: READ_A, principal: AGENT });
    await fx.store.authorize(token, { action: READ_A, principal: AGENT });
    expect(fx.store.verifier.signatureCacheStats().hits).toBeGreaterThanOrEqual(1);
    await fx.store.revoke(token.id);
    expect(await asyncCodeOf(fx.store.authorize(token, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_REVOKED',
    );
    const reopened = await fx.reopen();
    expect(await asyncCodeOf(reopened.authorize(token, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_REVOKED',
    );
  });

  it('lets exactly one of 10 concurrent uses of a single-use token win, durably', async () => {
    const token = await fx.store.mint({ ...WS_ALL, singleUse: true });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => fx.store.authorize(token, { action: READ_A, principal: AGENT })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as { code: string }).code] : [],
    );
    expect(codes).toEqual(Array(9).fill('TOKEN_CONSUMED'));
    const reopened = await fx.reopen();
    expect(await asyncCodeOf(reopened.authorize(token, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_CONSUMED',
    );
  });

  it('refuses the use when recording consumption fails, and keeps the token consumed', async () => {
    await fx.close();
    let faulty: FaultyDatabase | undefined;
    fx = await openFixture({}, (db) => {
      faulty = new FaultyDatabase(db, ['cap-consumed']);
      return faulty;
    });
    const token = await fx.store.mint({ ...WS_ALL, singleUse: true });
    faulty!.failing = true;
    expect(await asyncCodeOf(fx.store.authorize(token, { action: READ_A, principal: AGENT }))).toBe(
      'STORAGE_FAILURE',
    );
    faulty!.failing = false;
    expect(await asyncCodeOf(fx.store.authorize(token, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_CONSUMED',
    );
  });
});

describe('subject and session', () => {
  it("refuses another principal's token", async () => {
    const token = await fx.store.mint(WS_ALL);
    expect(codeOf(() => fx.store.verify(token, { action: READ_A, principal: OTHER_AGENT }))).toBe(
      'TOKEN_WRONG_SUBJECT',
    );
  });

  it("refuses another session's session token, and one used outside any session", async () => {
    const token = await fx.store.mint({ ...WS_ALL, scope: 'session', sessionId: SESSION });
    expect(fx.store.verify(token, { action: READ_A, principal: AGENT, session: SESSION }).id).toBe(token.id);
    expect(
      codeOf(() => fx.store.verify(token, { action: READ_A, principal: AGENT, session: OTHER_SESSION })),
    ).toBe('TOKEN_WRONG_SESSION');
    expect(codeOf(() => fx.store.verify(token, { action: READ_A, principal: AGENT }))).toBe(
      'TOKEN_WRONG_SESSION',
    );
  });
});

describe('resources', () => {
  it('refuses a token for file:///ws/* asked for /ws/a/b', async () => {
    const token = await fx.store.mint({
      ...WS_ALL,
      resources: [{ action: 'file_read', pattern: 'file:///ws/*' }],
    });
    expect(fx.store.verify(token, { action: readFile('/ws/a'), principal: AGENT }).id).toBe(token.id);
    expect(codeOf(() => fx.store.verify(token, { action: readFile('/ws/a/b'), principal: AGENT }))).toBe(
      'TOKEN_NO_MATCH',
    );
  });

  it('refuses ".." in a pattern at mint time and in a validly signed token at verify time', async () => {
    expect(
      codeOf(() =>
        mintToken(fx.ring, {
          ...WS_ALL,
          resources: [{ action: 'file_read', pattern: 'file:///ws/../etc/*' }],
        }),
      ),
    ).toBe('RangeError');
    const genuine = await fx.store.mint(WS_ALL);
    const sneaky = signWithRuntimeKey({
      ...withoutSignature(genuine),
      resources: [{ action: 'file_read', pattern: 'file:///ws/../etc/*' }],
    });
    expect(codeOf(() => fx.store.verify(sneaky, { action: readFile('/etc/passwd'), principal: AGENT }))).toBe(
      'TOKEN_MALFORMED',
    );
  });

  it('refuses an action whose path or argument has a ".." segment', async () => {
    const token = await fx.store.mint({
      ...WS_ALL,
      resources: [
        { action: 'file_read', pattern: 'file:///ws/**' },
        { action: 'execute_command', argv: ['cat'], trailing: 'any' },
      ],
    });
    // Built by hand: parseAction would refuse it, but the token check must not rely on that.
    const climbOut = { kind: 'file_read', path: '/ws/../etc/passwd' } as SensitiveAction;
    expect(codeOf(() => fx.store.verify(token, { action: climbOut, principal: AGENT }))).toBe(
      'INVALID_ACTION',
    );
    const catUp = action({ kind: 'execute_command', argv: ['cat', '../secret'] });
    expect(codeOf(() => fx.store.verify(token, { action: catUp, principal: AGENT }))).toBe('INVALID_ACTION');
    const catHere = action({ kind: 'execute_command', argv: ['cat', 'notes/secret'] });
    expect(fx.store.verify(token, { action: catHere, principal: AGENT }).id).toBe(token.id);
  });

  it('refuses an action_hash-bound token for a different action', async () => {
    const write = action({ kind: 'file_write', path: '/ws/a.txt', contentHash: 'a'.repeat(64) });
    const token = await fx.store.mint({
      ...WS_ALL,
      resources: [{ action: 'file_write', pattern: 'file:///ws/**' }],
      actionHash: actionHash(write),
    });
    expect(fx.store.verify(token, { action: write, principal: AGENT }).id).toBe(token.id);
    const other = action({ kind: 'file_write', path: '/ws/a.txt', contentHash: 'b'.repeat(64) });
    expect(codeOf(() => fx.store.verify(token, { action: other, principal: AGENT }))).toBe(
      'TOKEN_ACTION_MISMATCH',
    );
  });
});
