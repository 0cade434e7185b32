import { AstridError } from '@astrid/core';

/**
 * Canonical JSON (RFC 8785 / JCS semantics) for everything Astrid signs or hashes:
 * object keys sorted by UTF-16 code units, no whitespace, numbers in ECMAScript's shortest
 * round-trip form, strings escaped as JSON.stringify does. Rejected, because they have no
 * single JSON form: NaN and ±Infinity, lone surrogates, bigint, functions, symbols,
 * `undefined` inside arrays, and objects that are not plain (Date, Map, class instances).
 * An object property whose value is `undefined` is omitted, as JSON.stringify does, so an
 * optional field left unset hashes the same as one never written.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', 0);
}

/** UTF-8 bytes of {@link canonicalJson}. */
export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

const MAX_DEPTH = 128;
// A lone (unpaired) surrogate: a high not followed by a low, or a low not preceded by a high.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function fail(path: string, what: string): never {
  throw new AstridError('CANONICAL_JSON', `cannot canonicalise ${path}: ${what}`);
}

function writeString(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) fail(path, 'string contains a lone surrogate');
  return JSON.stringify(s);
}

function write(value: unknown, path: string, depth: number): string {
  if (depth > MAX_DEPTH) fail(path, `nesting deeper than ${MAX_DEPTH} (or a cycle)`);
  switch (typeof value) {
    case 'string':
      return writeString(value, path);
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value} is not a JSON number`);
      // ECMAScript Number#toString is JCS's number form; JSON.stringify(-0) is "0".
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) fail(`${path}[${i}]`, 'undefined is not a JSON value');
          parts.push(write(item, `${path}[${i}]`, depth + 1));
        }
        return `[${parts.join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        fail(path, `${proto?.constructor?.name ?? 'object'} is not a plain object`);
      }
      if (Object.getOwnPropertySymbols(value).length > 0) fail(path, 'symbol keys are not JSON');
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      const parts: string[] = [];
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        const childPath = `${path}.${key}`;
        parts.push(`${writeString(key, childPath)}:${write(item, childPath, depth + 1)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return fail(path, `${typeof value} is not a JSON value`);
  }
}
