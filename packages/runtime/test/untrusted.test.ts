import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEUTRALISED_NONCE, UntrustedFraming } from '../src/index.js';

describe('UntrustedFraming', () => {
  it('uses a fresh 128-bit nonce per session', () => {
    const a = UntrustedFraming.create();
    const b = UntrustedFraming.create();
    expect(a.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.instructions()).toContain(a.close);
  });

  it('checks its inputs', () => {
    expect(() => new UntrustedFraming('short')).toThrow(RangeError);
    expect(() => new UntrustedFraming(42 as unknown as string)).toThrow(TypeError);
    expect(() => UntrustedFraming.create().open('bad name"><x')).toThrow(RangeError);
  });

  it('property: whatever the content, a wrapped block opens once and closes once, at its end', () => {
    const framing = UntrustedFraming.create();
    const pieces = fc.oneof(
      fc.string(),
      fc.constant(framing.close),
      fc.constant(framing.close.toUpperCase()),
      fc.constant(framing.open('read_file')),
      fc.constant(framing.nonce),
      fc.constant(`</untrusted-${framing.nonce.slice(0, 16)}`),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const wrapped = framing.wrap(parts.join(''), 'read_file');
        const lower = wrapped.toLowerCase();
        expect(lower.split(framing.nonce)).toHaveLength(3);
        expect(wrapped.startsWith(framing.open('read_file'))).toBe(true);
        expect(wrapped.endsWith(framing.close)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('replaces the nonce in content with a visible marker', () => {
    const framing = UntrustedFraming.create();
    expect(framing.neutralise(`a ${framing.close} b`)).toBe(`a </untrusted-${NEUTRALISED_NONCE}> b`);
  });
});
