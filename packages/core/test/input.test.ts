import { describe, expect, it } from 'vitest';
import { INPUT_CLASSES, InputClassSchema, leastTrusted } from '../src/index.js';

describe('input classes', () => {
  it('are trusted, preauthorized, untrusted, most trusted first', () => {
    expect(INPUT_CLASSES).toEqual(['trusted', 'preauthorized', 'untrusted']);
    expect(InputClassSchema.safeParse('untrusted').success).toBe(true);
    expect(InputClassSchema.safeParse('admin').success).toBe(false);
  });

  it('leastTrusted: mixing in less trusted input taints, in either order', () => {
    const table: [string, string, string][] = [
      ['trusted', 'trusted', 'trusted'],
      ['trusted', 'preauthorized', 'preauthorized'],
      ['trusted', 'untrusted', 'untrusted'],
      ['preauthorized', 'preauthorized', 'preauthorized'],
      ['preauthorized', 'untrusted', 'untrusted'],
      ['untrusted', 'untrusted', 'untrusted'],
    ];
    for (const [a, b, want] of table) {
      const x = InputClassSchema.parse(a);
      const y = InputClassSchema.parse(b);
      expect(leastTrusted(x, y)).toBe(want);
      expect(leastTrusted(y, x)).toBe(want);
    }
  });
});
