import { AstridError } from '@astrid/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson } from '../src/index.js';

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

function expectRejected(value: unknown, fragment: string): void {
  let caught: unknown;
  try {
    canonicalJson(value);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AstridError);
  expect((caught as AstridError).code).toBe('CANONICAL_JSON');
  expect((caught as AstridError).message).toContain(fragment);
}

// The same JSON value with every object's keys inserted in a different order.
function reorder(value: unknown, pick: (n: number) => number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, pick));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const shuffled: [string, unknown][] = [];
    while (entries.length > 0) {
      const [entry] = entries.splice(pick(entries.length), 1);
      shuffled.push([entry![0], reorder(entry![1], pick)]);
    }
    return Object.fromEntries(shuffled);
  }
  return value;
}

// RFC 8785 appendix B: IEEE-754 bit patterns and their canonical serialisation.
const APPENDIX_B: readonly [string, string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

describe('canonicalJson: RFC 8785 examples', () => {
  it.each(APPENDIX_B)('serialises the double 0x%s as %s', (bits, expected) => {
    expect(canonicalJson(fromBits(bits))).toBe(expected);
  });

  it('serialises the numbers the issue names', () => {
    // Parsed from text, as RFC 8785's input is (the literal has more digits than a double holds).
    const third = JSON.parse('333333333.33333329') as number;
    expect(canonicalJson([1e21, 1e20, 1e-7, 1e-6, -0, 0, third, 4.5, 100])).toBe(
      '[1e+21,100000000000000000000,1e-7,0.000001,0,0,333333333.3333333,4.5,100]',
    );
  });

  it('rejects the NaN and Infinity bit patterns of appendix B', () => {
    expectRejected(fromBits('7fffffffffffffff'), 'NaN is not a JSON number');
    expectRejected(fromBits('7ff0000000000000'), 'Infinity is not a JSON number');
    expectRejected(Number.NEGATIVE_INFINITY, '-Infinity is not a JSON number');
  });

  it('reproduces the example of section 3.2.2 (numbers, string escapes, literals)', () => {
    const input = JSON.parse(
      String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
    );
    expect(canonicalJson(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts keys by UTF-16 code units, as in section 3.2.3 (non-BMP before U+FB33)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const out = canonicalJson(input);
    // By code point U+1F600 would sort after U+FB33; by UTF-16 code unit (0xD83D) it sorts before.
    expect(out).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts nested objects and keeps array order', () => {
    expect(canonicalJson({ b: [{ z: 1, a: 2 }, 3], a: { d: null, c: true } })).toBe(
      '{"a":{"c":true,"d":null},"b":[{"a":2,"z":1},3]}',
    );
  });

  it('writes no whitespace and escapes only what JSON requires', () => {
    expect(canonicalJson({ s: '\u2028 \u0000\u001f\u007f "\\/ é' })).toBe(
      '{"s":"\u2028 \\u0000\\u001f\u007f \\"\\\\/ é"}',
    );
  });

  it('accepts objects with a null prototype and "__proto__" as an ordinary key', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 1;
    bare.a = 2;
    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}');
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":0}'))).toBe('{"__proto__":{"x":1},"a":0}');
  });
});

describe('canonicalJson: values with no single JSON form are rejected', () => {
  it('NaN and Infinity, naming the path', () => {
    expectRejected({ a: [1, Number.NaN] }, '$.a[1]');
    expectRejected({ x: { y: Number.POSITIVE_INFINITY } }, '$.x.y');
  });

  it('lone surrogates in values and in keys, but not valid pairs', () => {
    expectRejected('\ud800', 'lone surrogate');
    expectRejected('a\udc00b', 'lone surrogate');
    expectRejected('\udc00\ud800', 'lone surrogate');
    expectRejected('\ud83d', 'lone surrogate');
    expectRejected({ '\udfff': 1 }, 'lone surrogate');
    expect(canonicalJson('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });

  it('bigint, functions and symbols', () => {
    expectRejected({ n: 1n }, 'bigint is not a JSON value');
    expectRejected({ f: () => 1 }, 'function is not a JSON value');
    expectRejected([Symbol('s')], 'symbol is not a JSON value');
    expectRejected({ [Symbol('k')]: 1 }, 'symbol keys');
  });

  it('objects that are not plain: Date, Map, Set, class instances, typed arrays, boxed primitives', () => {
    class Token {
      id = 'x';
    }
    expectRejected(new Date(0), 'Date is not a plain object');
    expectRejected({ m: new Map() }, 'Map is not a plain object');
    expectRejected(new Set([1]), 'Set is not a plain object');
    expectRejected(new Token(), 'Token is not a plain object');
    expectRejected(new Uint8Array(2), 'Uint8Array is not a plain object');
    expectRejected(new String('s'), 'String is not a plain object');
    expectRejected(/re/, 'RegExp is not a plain object');
  });

  it('an object with toJSON is not silently converted', () => {
    expectRejected({ toJSON: () => 1 }, 'function is not a JSON value');
  });

  it('undefined at the top level, in an array, or as an array hole', () => {
    expectRejected(undefined, 'undefined is not a JSON value');
    expectRejected([1, undefined], '$[1]');
    // biome-ignore lint/suspicious/noSparseArray: a hole is exactly what is tested
    expectRejected([1, , 3], '$[1]');
  });

  it('cycles and nesting deeper than 128', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expectRejected(cyclic, 'nesting deeper than 128');
    let deep: unknown = 0;
    for (let i = 0; i < 200; i++) deep = [deep];
    expectRejected(deep, 'nesting deeper than 128');
    let ok: unknown = 0;
    for (let i = 0; i < 100; i++) ok = [ok];
    expect(canonicalJson(ok)).toBe(`${'['.repeat(100)}0${']'.repeat(100)}`);
  });
});

describe('canonicalJson: undefined properties', () => {
  it('omits them, so an unset optional field hashes like an absent one', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({ a: { c: undefined } })).toBe('{"a":{}}');
    expect(canonicalBytes({ b: 1, a: undefined })).toEqual(canonicalBytes({ b: 1 }));
  });
});

describe('canonicalJson: properties', () => {
  const json = fc.jsonValue({ stringUnit: 'binary' });

  it('key insertion order never changes the bytes', () => {
    fc.assert(
      fc.property(json, fc.infiniteStream(fc.nat()), (value, picks) => {
        const it = picks[Symbol.iterator]();
        const shuffled = reorder(value, (n) => (it.next().value as number) % n);
        expect(canonicalJson(shuffled)).toBe(canonicalJson(value));
      }),
    );
  });

  it('round-trips JSON values through JSON.parse, and equals JSON.stringify of the key-sorted value', () => {
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortDeep)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
            )
          : v;
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(text).toBe(JSON.stringify(sortDeep(value)));
      }),
    );
  });

  it('any string with a lone surrogate is rejected', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.string({ unit: 'binary' }),
        (before, unit, after) => {
          const s = `${before}${String.fromCharCode(unit)}${after}`;
          const paired =
            (unit <= 0xdbff && /^[\udc00-\udfff]/.test(after)) ||
            (unit >= 0xdc00 && /[\ud800-\udbff]$/.test(before));
          fc.pre(!paired);
          expect(() => canonicalJson(s)).toThrow(AstridError);
        },
      ),
    );
  });

  it('canonicalBytes is the UTF-8 of canonicalJson', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(Buffer.from(canonicalBytes(value)).toString('utf8')).toBe(canonicalJson(value));
      }),
    );
  });
});
