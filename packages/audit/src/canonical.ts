import type { JsonValue } from '@astrid/core';
import { canonicalJson } from '@astrid/crypto';

// A lone (unpaired) surrogate has no UTF-8 form, so canonical JSON rejects it. The plain
// class test is cheap and almost every string fails it, so the lookarounds rarely run.
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The same text as `canonicalJson` from @astrid/crypto, for the plain JSON values the log
 * builds itself (redacted params, decisions, outcomes), without the per-key path strings
 * that make the general one slow. Anything it cannot write is handed to `canonicalJson`,
 * which throws the precise CANONICAL_JSON error. A property test pins the two together.
 */
export function fastCanonical(value: JsonValue): string {
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      if (!Number.isFinite(value)) return reject(value);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          if (item === undefined) return reject(value);
          if (i > 0) out += ',';
          out += fastCanonical(item);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return reject(value);
      const keys = Object.keys(value).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = value[key];
        if (item === undefined) continue;
        out += `${first ? '' : ','}${writeString(key)}:${fastCanonical(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return reject(value);
  }
}

// Characters JSON.stringify escapes or canonical JSON checks; a string without any is
// written as is between quotes, the common case and much cheaper than JSON.stringify.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_CARE = /["\\\u0000-\u001f\uD800-\uDFFF]/;

/** A JSON string literal as canonical JSON writes it (lone surrogates rejected). */
export function writeString(s: string): string {
  if (!NEEDS_CARE.test(s)) return `"${s}"`;
  if (ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s)) return reject(s);
  return JSON.stringify(s);
}

function reject(value: unknown): never {
  canonicalJson(value);
  throw new TypeError('"value" is not canonicalisable JSON');
}
