/** Throws a TypeError unless `value` is a Uint8Array, and a RangeError unless its length is `length`. */
export function expectBytes(name: string, value: unknown, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`"${name}" expected Uint8Array, got ${value === null ? 'null' : typeof value}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`"${name}" expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Decodes lower- or upper-case hex, rejecting odd lengths and non-hex characters. */
export function fromHex(name: string, hex: unknown, length?: number): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`"${name}" expected a hex string, got ${typeof hex}`);
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new RangeError(`"${name}" expected hex, got ${hex.length} characters that are not valid hex`);
  }
  const out = new Uint8Array(Buffer.from(hex, 'hex'));
  if (length !== undefined && out.length !== length) {
    throw new RangeError(`"${name}" expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
