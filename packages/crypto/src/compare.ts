import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte strings or strings without an early exit on the first difference.
 * Lengths are compared first (a length is not secret here). JavaScript cannot promise
 * constant time under a JIT; this removes the obvious byte-by-byte timing leak.
 */
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}
