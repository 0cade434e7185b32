/** Zero-padded decimal, so that numeric keys sort in byte order (LevelDB's order). */
export function sortableNumberKey(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`"n" expected a non-negative safe integer, got ${n}`);
  return n.toString().padStart(16, '0');
}
