import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, expectBytes, fromHex, toHex, utf8 } from '../src/index.js';

describe('toHex / fromHex', () => {
  it('round-trip any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toMatch(/^([0-9a-f]{2})*$/);
        expect(fromHex('x', hex)).toEqual(bytes);
        expect(fromHex('x', hex.toUpperCase())).toEqual(bytes);
      }),
    );
  });

  it('toHex encodes only the view of a subarray', () => {
    expect(toHex(Uint8Array.of(0, 1, 2, 255).subarray(1, 3))).toBe('0102');
  });

  it('fromHex rejects odd lengths, non-hex and wrong sizes with RangeError naming the argument', () => {
    expect(() => fromHex('signature', 'abc')).toThrow(RangeError);
    expect(() => fromHex('signature', 'zz')).toThrow('"signature" expected hex');
    expect(() => fromHex('signature', '0x00')).toThrow(RangeError);
    expect(() => fromHex('signature', ' 00')).toThrow(RangeError);
    expect(() => fromHex('publicKey', '00', 32)).toThrow(
      new RangeError('"publicKey" expected 32 bytes, got 1'),
    );
    expect(fromHex('k', '00ff', 2)).toEqual(Uint8Array.of(0, 255));
  });

  it('fromHex rejects non-strings with TypeError', () => {
    for (const bad of [undefined, null, 12, Uint8Array.of(1)]) {
      expect(() => fromHex('secretKey', bad)).toThrow(TypeError);
      expect(() => fromHex('secretKey', bad)).toThrow('"secretKey" expected a hex string');
    }
  });

  it('expectBytes checks type and length', () => {
    const b = new Uint8Array(4);
    expect(expectBytes('b', b, 4)).toBe(b);
    expect(expectBytes('b', Buffer.alloc(2))).toHaveLength(2);
    expect(() => expectBytes('b', [0, 0, 0, 0], 4)).toThrow(
      new TypeError('"b" expected Uint8Array, got object'),
    );
    expect(() => expectBytes('b', null)).toThrow(new TypeError('"b" expected Uint8Array, got null'));
    expect(() => expectBytes('b', b, 5)).toThrow(new RangeError('"b" expected 5 bytes, got 4'));
  });
});

describe('constantTimeEqual', () => {
  it('is true exactly for equal contents', () => {
    expect(constantTimeEqual('secret-token', 'secret-token')).toBe(true);
    expect(constantTimeEqual('secret-token', 'secret-tokeN')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
  });

  it('is false for different lengths, including a prefix, without throwing', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual(Uint8Array.of(1), new Uint8Array())).toBe(false);
  });

  it('compares a string as its UTF-8 bytes', () => {
    expect(constantTimeEqual('héllo', utf8('héllo'))).toBe(true);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
  });

  it('agrees with plain comparison (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(a === b);
        expect(constantTimeEqual(a, a)).toBe(true);
      }),
    );
  });
});
