import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blake3, blake3Hex, createStreamingBlake3, toHex, utf8 } from '../src/index.js';

/** The BLAKE3 test-vector input: byte i is i mod 251. */
function specInput(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = i % 251;
  return out;
}

// The first 32 bytes of the `hash` field of the official BLAKE3 test_vectors/test_vectors.json
// (BLAKE3-team/BLAKE3), for the input above.
const OFFICIAL: Readonly<Record<number, string>> = {
  0: 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262',
  1: '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213',
  1023: '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11',
  1024: '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7',
  1025: 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444',
  2048: 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a',
  2049: '5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030',
  31744: '62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47',
  102400: 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085',
};

// The lengths the issue names: around the 1 KiB chunk boundary and the tree levels above it.
const SPEC_LENGTHS = [0, 1, 1023, 1024, 1025, 2048, 2049, 31744, 102400];

describe('BLAKE3 (hash-wasm) against the official test vectors and @noble/hashes', () => {
  it.each(SPEC_LENGTHS)('input pattern i mod 251, length %i', (length) => {
    const input = specInput(length);
    const expected = OFFICIAL[length];
    expect(expected).toBeDefined();
    expect(toHex(nobleBlake3(input))).toBe(expected);
    expect(blake3Hex(input)).toBe(expected);
    expect(toHex(blake3(input))).toBe(expected);
  });

  it('agrees with noble on random inputs of 0..100 KiB (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 * 1024 }), fc.integer(), (length, seed) => {
        const input = new Uint8Array(length);
        // A cheap deterministic fill: fast-check's arrays of 100 KiB are slow to generate.
        let x = seed | 1;
        for (let i = 0; i < length; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          input[i] = x & 0xff;
        }
        expect(blake3Hex(input)).toBe(toHex(nobleBlake3(input)));
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with noble on small random byte arrays (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (input) => {
        expect(blake3Hex(input)).toBe(toHex(nobleBlake3(input)));
      }),
    );
  });

  it('hashes a string as its UTF-8 bytes', () => {
    for (const text of ['', 'abc', 'héllo wörld', '😀 emoji', 'x'.repeat(5000)]) {
      expect(blake3Hex(text)).toBe(toHex(nobleBlake3(utf8(text))));
      expect(toHex(blake3(text))).toBe(blake3Hex(text));
    }
  });

  it('hashes only the view of a subarray, not the whole buffer behind it', () => {
    const whole = specInput(4096);
    const view = whole.subarray(1000, 3049);
    expect(blake3Hex(view)).toBe(toHex(nobleBlake3(whole.slice(1000, 3049))));
  });

  it('returns a fresh 32-byte array each call (the reused hasher leaks no state)', () => {
    const a = blake3('a');
    const b = blake3('b');
    expect(a).toHaveLength(32);
    expect(toHex(a)).toBe(blake3Hex('a'));
    expect(toHex(a)).not.toBe(toHex(b));
  });
});

describe('createStreamingBlake3', () => {
  it('equals the one-shot hash however the input is split (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 12 }), async (parts) => {
        const h = await createStreamingBlake3();
        for (const part of parts) h.update(part);
        const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const part of parts) {
          joined.set(part, at);
          at += part.length;
        }
        expect(h.digestHex()).toBe(blake3Hex(joined));
      }),
      { numRuns: 50 },
    );
  });

  it('mixes strings and bytes, chains, and keeps its own state between interleaved hashers', async () => {
    const a = await createStreamingBlake3();
    const b = await createStreamingBlake3();
    a.update('ab');
    b.update(specInput(2000));
    blake3('unrelated one-shot call in between');
    a.update(Uint8Array.of(0x63)).update('');
    expect(a.digestHex()).toBe(blake3Hex('abc'));
    expect(b.digestHex()).toBe(blake3Hex(specInput(2000)));
  });

  it('of nothing is the hash of the empty input', async () => {
    const h = await createStreamingBlake3();
    expect(h.digestHex()).toBe(OFFICIAL[0]);
  });
});
