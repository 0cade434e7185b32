import { describe, expect, it } from 'vitest';
import {
  approvalId,
  auditEntryId,
  auditSeq,
  IdSchema,
  keyId,
  principalId,
  sessionId,
  tokenId,
} from '../src/index.js';

const parsers = { sessionId, tokenId, approvalId, auditEntryId, keyId, principalId };

describe.each(Object.entries(parsers))('%s', (label, parse) => {
  it('accepts printable ids up to 128 characters and returns them unchanged', () => {
    for (const id of ['a', 'ses_01HZX', 'ed25519:0a1b2c', 'A.b-c_d:9', 'x'.repeat(128)]) {
      expect(parse(id)).toBe(id);
    }
  });

  it('throws RangeError naming the argument for a bad string', () => {
    for (const bad of [
      '',
      'x'.repeat(129),
      '_leading',
      '-leading',
      'a/b',
      'a b',
      'a\0b',
      '../x',
      'é',
      'a\n',
    ]) {
      expect(() => parse(bad)).toThrow(RangeError);
      expect(() => parse(bad)).toThrow(`"${label}"`);
    }
  });

  it('throws TypeError naming the argument for a non-string', () => {
    for (const bad of [undefined, null, 42, {}, ['a'], Symbol('a')]) {
      expect(() => parse(bad)).toThrow(TypeError);
      expect(() => parse(bad)).toThrow(`"${label}" expected a string`);
    }
  });
});

describe('auditSeq', () => {
  it('accepts non-negative safe integers, including 0', () => {
    expect(auditSeq(0)).toBe(0);
    expect(auditSeq(1)).toBe(1);
    expect(auditSeq(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('throws RangeError for negative, fractional, unsafe or non-finite numbers', () => {
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => auditSeq(bad)).toThrow(RangeError);
      expect(() => auditSeq(bad)).toThrow('"auditSeq"');
    }
  });

  it('throws TypeError for a numeric string or bigint', () => {
    for (const bad of ['1', 1n, null]) {
      expect(() => auditSeq(bad)).toThrow(TypeError);
      expect(() => auditSeq(bad)).toThrow('"auditSeq" expected a number');
    }
  });
});

describe('IdSchema', () => {
  it('accepts what the parsers accept and rejects what they reject', () => {
    expect(IdSchema.safeParse('ses_1').success).toBe(true);
    expect(IdSchema.safeParse('x'.repeat(129)).success).toBe(false);
    expect(IdSchema.safeParse('a/b').success).toBe(false);
    expect(IdSchema.safeParse(1).success).toBe(false);
  });
});
