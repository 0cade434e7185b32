import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSigner,
  fromHex,
  generateKeyPair,
  keyIdOf,
  portable,
  publicKeyFromSecret,
  sign,
  toHex,
  verify,
} from '../src/index.js';
import { RFC8032_VECTORS } from './rfc8032-vectors.js';

const IMPLEMENTATIONS = [
  { name: 'node:crypto', sign, verify, publicKeyFromSecret },
  { name: 'portable (@noble/ed25519)', ...portable },
] as const;

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

// The group order L; a signature whose S is replaced by S + L is the classic malleated copy.
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
function withSPlusL(signature: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  s += L;
  const out = signature.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

describe.each(IMPLEMENTATIONS)('ed25519 via $name', (impl) => {
  it('has a TEST 1024 message of 1023 bytes and an SHA(abc) message of 64 bytes', () => {
    expect(RFC8032_VECTORS[3]!.message.length).toBe(2046);
    expect(RFC8032_VECTORS[4]!.message).toMatch(/^ddaf35a193617aba/);
  });

  it.each(RFC8032_VECTORS)('matches RFC 8032 $name', (v) => {
    const secretKey = fromHex('secretKey', v.secretKey, 32);
    const message = fromHex('message', v.message);
    expect(toHex(impl.publicKeyFromSecret(secretKey))).toBe(v.publicKey);
    expect(toHex(impl.sign(message, secretKey))).toBe(v.signature);
    expect(
      impl.verify(fromHex('signature', v.signature, 64), message, fromHex('publicKey', v.publicKey, 32)),
    ).toBe(true);
  });

  it.each(RFC8032_VECTORS)('rejects $name with any one bit flipped in signature, message or key', (v) => {
    const publicKey = fromHex('publicKey', v.publicKey, 32);
    const signature = fromHex('signature', v.signature, 64);
    const message = fromHex('message', v.message);
    for (const bit of [0, 7, 100, 255, 256, 300, 511]) {
      expect(impl.verify(flipBit(signature, bit), message, publicKey)).toBe(false);
    }
    for (const bit of [0, 129, 255])
      expect(impl.verify(signature, message, flipBit(publicKey, bit))).toBe(false);
    if (message.length > 0)
      expect(impl.verify(signature, flipBit(message, message.length * 8 - 1), publicKey)).toBe(false);
    expect(impl.verify(signature, Uint8Array.of(...message, 0), publicKey)).toBe(false);
  });

  it('rejects a malleated signature (S + L), as RFC 8032 requires', () => {
    const v = RFC8032_VECTORS[0]!;
    const signature = fromHex('signature', v.signature, 64);
    const publicKey = fromHex('publicKey', v.publicKey, 32);
    expect(impl.verify(withSPlusL(signature), new Uint8Array(), publicKey)).toBe(false);
  });

  it('returns false, not an exception, for a public key that is not a curve point', () => {
    const notAPoint = fromHex('publicKey', `02${'00'.repeat(31)}`, 32);
    expect(impl.verify(new Uint8Array(64), new Uint8Array(), notAPoint)).toBe(false);
    expect(impl.verify(new Uint8Array(64), new Uint8Array(), new Uint8Array(32).fill(0xff))).toBe(false);
  });

  it('throws RangeError naming the argument for wrong sizes', () => {
    const { secretKey, publicKey } = generateKeyPair();
    const msg = new Uint8Array(3);
    const sig = sign(msg, secretKey);
    expect(() => impl.verify(sig.subarray(0, 63), msg, publicKey)).toThrow(
      new RangeError('"signature" expected 64 bytes, got 63'),
    );
    expect(() => impl.verify(Uint8Array.of(...sig, 0), msg, publicKey)).toThrow(
      '"signature" expected 64 bytes, got 65',
    );
    expect(() => impl.verify(sig, msg, publicKey.subarray(1))).toThrow(
      new RangeError('"publicKey" expected 32 bytes, got 31'),
    );
    expect(() => impl.sign(msg, new Uint8Array(64))).toThrow(
      new RangeError('"secretKey" expected 32 bytes, got 64'),
    );
    expect(() => impl.publicKeyFromSecret(new Uint8Array(0))).toThrow(
      new RangeError('"secretKey" expected 32 bytes, got 0'),
    );
  });

  it('throws TypeError naming the argument for wrong types', () => {
    const { secretKey, publicKey } = generateKeyPair();
    const sig = new Uint8Array(64);
    const bad = [undefined, null, 'abc', [1, 2, 3], new ArrayBuffer(32), 42] as unknown as Uint8Array[];
    for (const value of bad) {
      expect(() => impl.sign(value, secretKey)).toThrow(TypeError);
      expect(() => impl.sign(value, secretKey)).toThrow('"message" expected Uint8Array');
      expect(() => impl.sign(new Uint8Array(), value)).toThrow('"secretKey" expected Uint8Array');
      expect(() => impl.verify(value, new Uint8Array(), publicKey)).toThrow(
        '"signature" expected Uint8Array',
      );
      expect(() => impl.verify(sig, value, publicKey)).toThrow('"message" expected Uint8Array');
      expect(() => impl.verify(sig, new Uint8Array(), value)).toThrow('"publicKey" expected Uint8Array');
      expect(() => impl.publicKeyFromSecret(value)).toThrow(TypeError);
    }
  });
});

describe('node:crypto and @noble/ed25519 agree', () => {
  const secretKeys = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const messages = fc.uint8Array({ maxLength: 1024 });

  it('on public keys and signatures, and each verifies the other (property)', () => {
    fc.assert(
      fc.property(secretKeys, messages, (secretKey, message) => {
        const publicKey = publicKeyFromSecret(secretKey);
        expect(toHex(portable.publicKeyFromSecret(secretKey))).toBe(toHex(publicKey));
        const byNode = sign(message, secretKey);
        const byNoble = portable.sign(message, secretKey);
        expect(toHex(byNoble)).toBe(toHex(byNode));
        expect(verify(byNoble, message, publicKey)).toBe(true);
        expect(portable.verify(byNode, message, publicKey)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('on rejecting a signature with one random bit flipped (property)', () => {
    fc.assert(
      fc.property(secretKeys, messages, fc.integer({ min: 0, max: 511 }), (secretKey, message, bit) => {
        const publicKey = publicKeyFromSecret(secretKey);
        const bad = flipBit(sign(message, secretKey), bit);
        expect(verify(bad, message, publicKey)).toBe(false);
        expect(portable.verify(bad, message, publicKey)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('on arbitrary signature bytes and keys (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        messages,
        (signature, publicKey, message) => {
          expect(portable.verify(signature, message, publicKey)).toBe(verify(signature, message, publicKey));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('generateKeyPair and keyIdOf', () => {
  it('makes distinct, valid key pairs', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(a.secretKey).toHaveLength(32);
    expect(a.publicKey).toHaveLength(32);
    expect(toHex(a.secretKey)).not.toBe(toHex(b.secretKey));
    expect(toHex(a.publicKey)).toBe(toHex(portable.publicKeyFromSecret(a.secretKey)));
    const msg = new TextEncoder().encode('hello');
    expect(verify(sign(msg, a.secretKey), msg, a.publicKey)).toBe(true);
    expect(verify(sign(msg, a.secretKey), msg, b.publicKey)).toBe(false);
  });

  it('derives a stable key id from the public key', () => {
    const publicKey = fromHex('publicKey', RFC8032_VECTORS[0]!.publicKey, 32);
    const id = keyIdOf(publicKey);
    // ed25519: + the first 16 bytes of BLAKE3(publicKey); pinned, since stored records name keys by it.
    expect(id).toBe('ed25519:6c31041268f471609c79f5f2dbcc38e4');
    expect(id).toBe(`ed25519:${toHex(nobleBlake3(publicKey).subarray(0, 16))}`);
    expect(keyIdOf(publicKey.slice())).toBe(id);
    expect(keyIdOf(flipBit(publicKey, 0))).not.toBe(id);
    expect(() => keyIdOf(new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('createSigner', () => {
  it('signs exactly as sign() does, with the key parsed once', () => {
    const pair = generateKeyPair();
    const signWith = createSigner(pair.secretKey);
    for (const msg of [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(1000).fill(7)]) {
      const sig = signWith(msg);
      expect(sig).toEqual(sign(msg, pair.secretKey));
      expect(verify(sig, msg, pair.publicKey)).toBe(true);
    }
    expect(() => createSigner(new Uint8Array(31))).toThrow(RangeError);
  });
});
