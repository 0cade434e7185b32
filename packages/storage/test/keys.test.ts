import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortableNumberKey } from '../src/index.js';

describe('sortableNumberKey', () => {
  it('zero-pads to 16 digits', () => {
    expect(sortableNumberKey(0)).toBe('0000000000000000');
    expect(sortableNumberKey(42)).toBe('0000000000000042');
    // Every safe integer fits: MAX_SAFE_INTEGER has 16 digits.
    expect(sortableNumberKey(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
  });

  it('orders like the numbers, byte by byte (property)', () => {
    const n = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(n, n, (a, b) => {
        const x = sortableNumberKey(a);
        const y = sortableNumberKey(b);
        expect(Buffer.compare(Buffer.from(x), Buffer.from(y))).toBe(Math.sign(a - b));
      }),
    );
  });

  it('throws RangeError naming "n" for negative, fractional, unsafe or non-finite numbers', () => {
    for (const bad of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => sortableNumberKey(bad)).toThrow(RangeError);
      expect(() => sortableNumberKey(bad)).toThrow('"n"');
    }
  });
});
