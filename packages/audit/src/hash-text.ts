import { blake3Hex } from '@astrid/crypto';

// UTF-8 takes at most 3 bytes per UTF-16 code unit; texts that surely fit are encoded into
// this reused buffer rather than a fresh one per hash (JavaScript runs this synchronously on
// one thread, so the buffer is never shared between two hashes). Entries are hashed on every
// append and every verify, so the allocation saved is a measurable share of both.
const SCRATCH = Buffer.allocUnsafeSlow(64 * 1024);

/** BLAKE3 (hex) of a string's UTF-8 bytes; the same value as `blake3Hex(text)`. */
export function hashText(text: string): string {
  if (text.length * 3 > SCRATCH.length) return blake3Hex(text);
  const length = SCRATCH.write(text, 0, 'utf8');
  return blake3Hex(SCRATCH.subarray(0, length));
}
