import { randomBytes } from 'node:crypto';

/** 128 random bits (node:crypto) as `prefix_` + 26 base32 characters; sortable by nothing. */
export function randomId(prefix: string): string {
  if (!/^[a-z][a-z0-9]{0,15}$/.test(prefix))
    throw new RangeError(`"prefix" expected [a-z][a-z0-9]{0,15}, got ${prefix}`);
  return `${prefix}_${base32(randomBytes(16))}`;
}

/** `n` random bytes from node:crypto. */
export function randomBytesArray(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`"n" expected a non-negative integer, got ${n}`);
  return new Uint8Array(randomBytes(n));
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}
