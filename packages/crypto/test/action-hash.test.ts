import { parseAction, type SensitiveAction, tokenId } from '@astrid/core';
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionHash, canonicalJson, randomBytesArray, randomId, toHex, utf8 } from '../src/index.js';

describe('actionHash', () => {
  it('is the BLAKE3 (hex) of the canonical JSON, checked against @noble/hashes', () => {
    const action = parseAction({ kind: 'file_read', path: '/ws/a' });
    const expected = toHex(nobleBlake3(utf8('{"kind":"file_read","path":"/ws/a"}')));
    expect(canonicalJson(action)).toBe('{"kind":"file_read","path":"/ws/a"}');
    expect(actionHash(action)).toBe(expected);
    expect(actionHash(action)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order, nested key order, or unset optional fields', () => {
    const a = parseAction({
      kind: 'mcp_tool_call',
      server: 'github',
      tool: 'create_issue',
      args: { title: 't', labels: ['a', 'b'], meta: { x: 1, y: 2 } },
    });
    const b = parseAction({
      args: { meta: { y: 2, x: 1 }, labels: ['a', 'b'], title: 't' },
      tool: 'create_issue',
      kind: 'mcp_tool_call',
      server: 'github',
    });
    expect(actionHash(b)).toBe(actionHash(a));
    const c: SensitiveAction = { kind: 'file_write', path: '/ws/x', contentHash: undefined, bytes: 3 };
    expect(actionHash(c)).toBe(actionHash({ kind: 'file_write', path: '/ws/x', bytes: 3 }));
  });

  it('changes when any field changes, including argv order and array contents', () => {
    const base: SensitiveAction = { kind: 'execute_command', argv: ['rm', '-r', 'build'], cwd: '/ws' };
    const variants: SensitiveAction[] = [
      { kind: 'execute_command', argv: ['rm', '-r', 'build'] },
      { kind: 'execute_command', argv: ['rm', '-r', 'build'], cwd: '/' },
      { kind: 'execute_command', argv: ['rm', 'build', '-r'], cwd: '/ws' },
      { kind: 'execute_command', argv: ['rm', '-r', 'build', '/'], cwd: '/ws' },
      { kind: 'execute_command', argv: ['rm', '-rf', 'build'], cwd: '/ws' },
      { kind: 'execute_command', argv: ['rm -r build'], cwd: '/ws' },
    ];
    const hashes = new Set([base, ...variants].map(actionHash));
    expect(hashes.size).toBe(variants.length + 1);
  });

  it('differs for different file paths (property)', () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        (x, y) => {
          fc.pre(x.join('/') !== y.join('/'));
          const a = parseAction({ kind: 'file_delete', path: `/${x.join('/')}` });
          const b = parseAction({ kind: 'file_delete', path: `/${y.join('/')}` });
          expect(actionHash(a)).not.toBe(actionHash(b));
        },
      ),
    );
  });
});

describe('randomId', () => {
  it('is prefix_ + 26 base32 characters (128 bits) and a valid core id', () => {
    const id = randomId('tok');
    expect(id).toMatch(/^tok_[a-z2-7]{26}$/);
    expect(tokenId(id)).toBe(id);
  });

  it('does not repeat over 20,000 draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(randomId('a'));
    expect(seen.size).toBe(20_000);
  });

  it('uses every base32 character in the first position', () => {
    const first = new Set<string>();
    for (let i = 0; i < 2000; i++) first.add(randomId('x').charAt(2));
    expect(first.size).toBe(32);
  });

  it('throws RangeError naming "prefix" for a bad prefix', () => {
    for (const bad of ['', 'Tok', '1tok', 'to_k', 'a'.repeat(17), 'tok-']) {
      expect(() => randomId(bad)).toThrow(RangeError);
      expect(() => randomId(bad)).toThrow('"prefix"');
    }
    expect(randomId('a'.repeat(16))).toMatch(/^a{16}_/);
  });
});

describe('randomBytesArray', () => {
  it('returns n random bytes and rejects a bad n', () => {
    expect(randomBytesArray(0)).toHaveLength(0);
    const a = randomBytesArray(32);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a).toHaveLength(32);
    expect(toHex(a)).not.toBe(toHex(randomBytesArray(32)));
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => randomBytesArray(bad)).toThrow(RangeError);
  });
});
