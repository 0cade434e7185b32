import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeJson, sanitize } from '../src/index.js';

// Anything that can change what a terminal shows besides printing text.
// Built from a string: a literal with control characters trips Biome's lint on purpose.
const DANGEROUS = new RegExp(
  [
    '[',
    '\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff',
    ']',
  ].join(''),
);

describe('sanitize: hostile strings from the daemon never reach the terminal as controls', () => {
  it.each([
    ['colour and cursor moves (CSI)', 'ok\u001b[31mred\u001b[0m\u001b[2K\u001b[1A', 'okred'],
    ['OSC 52 clipboard write (BEL)', 'a\u001b]52;c;cm0gLXJmIH4=\u0007b', 'ab'],
    ['OSC 52 clipboard write (ST)', 'a\u001b]52;c;cm0gLXJmIH4=\u001b\\b', 'ab'],
    ['OSC 8 hidden link', '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007', 'click'],
    ['unterminated OSC swallows the rest', 'x\u001b]0;title', 'x'],
    ['DCS string', 'a\u001bP1;2q#0\u001b\\b', 'ab'],
    ['8-bit C1 CSI', 'a\u009b31mb', 'ab'],
    ['8-bit C1 OSC', 'a\u009d52;c;xx\u009cb', 'ab'],
    ['two-byte escape (RIS, full reset)', 'a\u001bcb', 'ab'],
  ])('removes %s', (_name, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('shows bidi overrides, zero-width characters and stray controls escaped', () => {
    // "approved" hiding "denied" with a right-to-left override; a zero-width joiner in a name.
    expect(sanitize('file\u202etxt.exe')).toBe('file\\u202etxt.exe');
    expect(sanitize('a\u200bb\u200dc\ufeffd\u2066e\u2069')).toBe('a\\u200bb\\u200dc\\ufeffd\\u2066e\\u2069');
    expect(sanitize('bell\u0007 backspace\u0008 cr\rx')).toBe('bell\\u0007 backspace\\u0008 cr\\nx');
    expect(sanitize('a\u0085b')).toBe('a\\u0085b');
  });

  it('keeps newlines only in multiline mode, and keeps ordinary Unicode', () => {
    expect(sanitize('one\ntwo')).toBe('one\\ntwo');
    expect(sanitize('one\ntwo', { multiline: true })).toBe('one\ntwo');
    expect(sanitize('naïve café 日本語 🙂')).toBe('naïve café 日本語 🙂');
  });

  it('never lets a dangerous character through, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(sanitize(s)).not.toMatch(DANGEROUS);
        expect(sanitize(s, { multiline: true }).replace(/\n/g, '')).not.toMatch(DANGEROUS);
      }),
      { numRuns: 500 },
    );
  });

  it('safeJson escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { label: 'x\u202ey\u009b31m\u200bz\u001b[2J', n: 1 };
    const text = safeJson(value);
    // Newlines are the JSON's own indentation; nothing else invisible is left.
    expect(text.replace(/\n/g, '')).not.toMatch(DANGEROUS);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('refuses a non-string', () => {
    expect(() => sanitize(42 as unknown as string)).toThrow(TypeError);
  });
});
