import type { JsonValue } from '@astrid/core';
import { writeString } from './canonical.js';

/** What a redacted value or substring is replaced with. */
export const REDACTED = '[REDACTED]';

// Keys whose value is a secret whatever it looks like (matched anywhere in the key, any case).
const SECRET_KEY =
  /token|secret|passw(?:or)?d|passphrase|pwd|authori[sz]ation|api[-_]?key|apikey|access[-_]?key|private[-_]?key|client[-_]?key|session[-_]?key|cookie|credential|signature|bearer/i;
// A key naming the id of a secret is not a secret ("tokenId", "token_id", "keyIds").
const ID_KEY = /(?:^[iI]|[a-z0-9]I|[-_]i)ds?$/;
// "maxTokens": 1000 is a count, not a credential: plural "tokens" with a number is kept.
const COUNT_KEY = /tokens$/i;
// Hashes and digests are meant to look random.
const DIGEST_KEY = /hash$|digest$|sha\d*$/i;
// An argv flag that names a secret and takes it as the next argument ("--password hunter2").
const SECRET_FLAG =
  /^--?[\w-]*(?:passw(?:or)?d|passphrase|secret|token|api[-_]?key|apikey|private[-_]?key|credential)$/i;

// Substrings that are secrets wherever they appear. Each is replaced by REDACTED (keeping a
// scheme word or key name in front where that helps a reader).
const PEM_BLOCK = /-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi;
const KNOWN_KEYS = new RegExp(
  [
    String.raw`\bsk-[A-Za-z0-9_-]{16,}`, // OpenAI, Anthropic (sk-ant-...)
    String.raw`\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}`, // Stripe
    String.raw`\bgh[pousr]_[A-Za-z0-9]{20,}`, // GitHub tokens
    String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}`,
    String.raw`\bglpat-[A-Za-z0-9_-]{20,}`, // GitLab
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`, // Slack
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, // AWS access key ids
    String.raw`\bAIza[0-9A-Za-z_-]{35}`, // Google API keys
    String.raw`\bnpm_[A-Za-z0-9]{36}`,
    String.raw`\b\d{8,10}:[A-Za-z0-9_-]{35}\b`, // Telegram bot tokens
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`, // JWTs
  ].join('|'),
  'g',
);
// `password=...`, `api_key: ...`, `?token=...` inside free text, URLs and command lines.
// Quantifiers are bounded so that hostile input (tool arguments come from the model) cannot
// make these regexes backtrack quadratically.
const KEY_VALUE =
  /((?:passw(?:or)?d|passphrase|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|credential|authorization)[\w.-]{0,64}"?)(\s{0,8}[=:]\s{0,8})("[^"]{0,4096}"|'[^']{0,4096}'|[^\s&;,'"]{1,4096})/gi;
// The password in `scheme://user:password@host`.
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/:@]{0,256}:)[^\s/@]{1,256}@/gi;
// Long runs of base64/hex alphabet: candidates for the entropy rule.
const LONG_RUN = /[A-Za-z0-9+/=_-]{32,}/g;
const HEX = /^[0-9a-fA-F]+$/;
// Every pattern above needs, somewhere in the string, a 12-character run of key alphabet
// without a slash, a 32-character run with slashes, one of these words, or an `@` (URL
// passwords). Most strings (paths, argv words, names) have none and skip the individual
// passes; a character loop and one small regex are far cheaper than the passes themselves.
const SUSPECT_WORD =
  /pass|secret|token|bearer|basic|pwd|credential|authori|api.?key|access.?key|private|cookie|eyj|@/i;

function hasLongRun(text: string): boolean {
  let run = 0;
  let runWithSlash = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const key =
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 43 ||
      c === 61 ||
      c === 95 ||
      c === 45;
    if (key) {
      if (++run >= 12) return true;
      if (++runWithSlash >= 32) return true;
    } else if (c === 47) {
      run = 0;
      if (++runWithSlash >= 32) return true;
    } else {
      run = 0;
      runWithSlash = 0;
    }
  }
  return false;
}

/**
 * A deep copy of `value` with secrets replaced by `"[REDACTED]"`: the value of every object
 * key that names a secret (token, secret, password, authorization, api_key, private_key,
 * cookie, credential, ...; case-insensitive), the argument after an argv flag naming one,
 * and every substring that looks like a credential (`sk-...`, `ghp_...`, `xox?-...`,
 * `AKIA...`, PEM private keys, `Bearer ...`, `password=...`, URL passwords, long
 * high-entropy base64/hex). Over-redaction is preferred to a leak: the audit log is read
 * by people and exported, so a secret that reaches it has leaked.
 */
export function redact(value: JsonValue): JsonValue {
  return new RedactingWriter().walk(value, '', 0);
}

/**
 * {@link redact} and canonical JSON (`canonicalJson` semantics) of the result in one walk,
 * as the log needs both; `omitKey` leaves one top-level field out (an action's `kind`).
 */
export function redactCanonical(value: JsonValue, omitKey?: string): { value: JsonValue; text: string } {
  const writer = new RedactingWriter(omitKey);
  const redacted = writer.walk(value, '', 0);
  return { value: redacted, text: writer.text };
}

/** {@link redact} for one string: credential-looking substrings replaced. */
export function redactString(text: string, entropyRule = true): string {
  return isSuspect(text) ? redactPatterns(text, entropyRule) : text;
}

// One scan that matches wherever any of the four passes below could (case-insensitive, so
// a superset of KNOWN_KEYS): a string it does not match skips them all.
const ANY_PATTERN = new RegExp(
  [AUTH_SCHEME, KNOWN_KEYS, KEY_VALUE, URL_USERINFO].map((r) => `(?:${r.source})`).join('|'),
  'i',
);

/**
 * Every substring pass of {@link redactString}, without the pre-filter (exported for its
 * test); `scanFirst` false runs the four pattern passes without the one scan that can skip
 * them (for the test that pins the two to the same result).
 */
export function redactPatterns(text: string, entropyRule: boolean, scanFirst = true): string {
  let out = text;
  if (out.includes('PRIVATE KEY')) out = out.replace(PEM_BLOCK, REDACTED);
  if (!scanFirst || ANY_PATTERN.test(out)) {
    out = out.replace(AUTH_SCHEME, `$1$2${REDACTED}`);
    out = out.replace(KNOWN_KEYS, REDACTED);
    out = out.replace(KEY_VALUE, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`);
    if (out.includes('://')) out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
  }
  if (entropyRule && out.length >= 32)
    out = out.replace(LONG_RUN, (run) => (looksRandom(run) ? REDACTED : run));
  return out;
}

function isSuspect(text: string): boolean {
  return hasLongRun(text) || SUSPECT_WORD.test(text);
}

const MAX_DEPTH = 64;

// Walks a JSON value once, building the redacted copy (keys in canonical order) and its
// canonical text together.
class RedactingWriter {
  text = '';
  constructor(private readonly omitKey?: string) {}

  walk(value: JsonValue, key: string, depth: number): JsonValue {
    switch (typeof value) {
      case 'string': {
        // Ids and digests are meant to look random: the entropy rule skips values under such keys.
        const out = isSuspect(value)
          ? redactString(value, !DIGEST_KEY.test(key) && !ID_KEY.test(key))
          : value;
        this.text += writeString(out);
        return out;
      }
      case 'number':
        if (!Number.isFinite(value)) throw new TypeError(`"value" expected JSON, got the number ${value}`);
        this.text += JSON.stringify(value);
        return value;
      case 'boolean':
        this.text += value ? 'true' : 'false';
        return value;
      case 'object':
        if (value === null) {
          this.text += 'null';
          return null;
        }
        if (depth >= MAX_DEPTH) {
          this.text += `"${REDACTED}"`;
          return REDACTED;
        }
        return Array.isArray(value) ? this.array(value, key, depth) : this.object(value, depth);
      default:
        throw new TypeError(`"value" expected JSON, got ${typeof value}`);
    }
  }

  private array(value: readonly JsonValue[], key: string, depth: number): JsonValue[] {
    const out: JsonValue[] = new Array(value.length);
    let hideNext = false;
    this.text += '[';
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === undefined) throw new TypeError('"value" expected JSON, got undefined in an array');
      if (i > 0) this.text += ',';
      if (hideNext) {
        out[i] = REDACTED;
        this.text += `"${REDACTED}"`;
      } else {
        out[i] = this.walk(item, key, depth + 1);
      }
      hideNext = typeof item === 'string' && item.charCodeAt(0) === 45 && SECRET_FLAG.test(item);
    }
    this.text += ']';
    return out;
  }

  private object(value: { readonly [key: string]: JsonValue | undefined }, depth: number): JsonValue {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`"value" expected JSON, got ${proto?.constructor?.name ?? 'object'}`);
    }
    const omit = depth === 0 ? this.omitKey : undefined;
    const out: { [k: string]: JsonValue } = {};
    let first = true;
    this.text += '{';
    for (const k of Object.keys(value).sort()) {
      const item = value[k];
      if (item === undefined || k === omit) continue;
      this.text += `${first ? '' : ','}${writeString(k)}:`;
      first = false;
      let redacted: JsonValue;
      if (isSecretKey(k, item)) {
        redacted = REDACTED;
        this.text += `"${REDACTED}"`;
      } else {
        redacted = this.walk(item, k, depth + 1);
      }
      // A "__proto__" key (legal JSON, and tool arguments come from the model) must stay an
      // own field: assigning it would swap the copy's prototype and drop the field.
      if (k === '__proto__')
        Object.defineProperty(out, k, {
          value: redacted,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[k] = redacted;
    }
    this.text += '}';
    return out;
  }
}

function isSecretKey(key: string, item: JsonValue): boolean {
  if (!SECRET_KEY.test(key) || ID_KEY.test(key)) return false;
  return !(typeof item === 'number' && COUNT_KEY.test(key));
}

/**
 * Whether a long base64/hex run looks like key material rather than a word, path or id:
 * hex with letters and digits and some entropy, or base64 that mixes upper, lower and digits
 * with high per-character entropy and few slashes (paths are slash-dense).
 */
function looksRandom(run: string): boolean {
  if (HEX.test(run)) return /[0-9]/.test(run) && /[a-fA-F]/.test(run) && entropy(run) >= 3;
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run) || !/[0-9]/.test(run)) return false;
  let slashes = 0;
  for (let i = 0; i < run.length; i++) if (run.charCodeAt(i) === 47) slashes++;
  if (slashes > run.length / 16 + 1) return false;
  return entropy(run) >= 4;
}

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
