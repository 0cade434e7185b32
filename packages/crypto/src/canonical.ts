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
  return write(value, undefined, 0);
}

/** UTF-8 bytes of {@link canonicalJson}. */
export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

const MAX_DEPTH = 128;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
// A lone (unpaired) surrogate: a high not followed by a low, or a low not preceded by a high.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Where a value sits, built into text ("$.a[1]") only when something fails: building it
// for every node costs more than the rest of the serialisation.
interface Where {
  readonly parent: Where | undefined;
  readonly key: string | number;
}

function pathOf(where: Where | undefined): string {
  let text = '';
  for (let w = where; w !== undefined; w = w.parent) {
    text = (typeof w.key === 'number' ? `[${w.key}]` : `.${w.key}`) + text;
  }
  return `$${text}`;
}

function fail(where: Where | undefined, what: string): never {
  throw new AstridError('CANONICAL_JSON', `cannot canonicalise ${pathOf(where)}: ${what}`);
}

function writeString(s: string, where: Where | undefined): string {
  // The plain class test is much cheaper than the lookarounds, and almost every string fails it.
  if (ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s)) fail(where, 'string contains a lone surrogate');
  return JSON.stringify(s);
}

function write(value: unknown, where: Where | undefined, depth: number): string {
  if (depth > MAX_DEPTH) fail(where, `nesting deeper than ${MAX_DEPTH} (or a cycle)`);
  switch (typeof value) {
    case 'string':
      return writeString(value, where);
    case 'number':
      if (!Number.isFinite(value)) fail(where, `${value} is not a JSON number`);
      // ECMAScript Number#toString is JCS's number form; JSON.stringify(-0) is "0".
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          const at: Where = { parent: where, key: i };
          if (item === undefined) fail(at, 'undefined is not a JSON value');
          out += (i === 0 ? '' : ',') + write(item, at, depth + 1);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        fail(where, `${proto?.constructor?.name ?? 'object'} is not a plain object`);
      }
      if (Object.getOwnPropertySymbols(value).length > 0) fail(where, 'symbol keys are not JSON');
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        const at: Where = { parent: where, key };
        out += `${out.length === 1 ? '' : ','}${writeString(key, at)}:${write(item, at, depth + 1)}`;
      }
      return `${out}}`;
    }
    default:
      return fail(where, `${typeof value} is not a JSON value`);
  }
}
