import { createBLAKE3 } from 'hash-wasm';

// hash-wasm's BLAKE3 runs in WASM, 10-25x faster here than the pure-JS @noble/hashes one;
// the tests cross-check the two. One hasher is reused: JS is single-threaded and each call
// runs init/update/digest synchronously, so calls cannot interleave.
const hasher = await createBLAKE3(256);

/** BLAKE3-256 of `data` (a string is hashed as UTF-8). */
export function blake3(data: Uint8Array | string): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest('binary');
}

/** BLAKE3-256 of `data` as lower-case hex. */
export function blake3Hex(data: Uint8Array | string): string {
  hasher.init();
  hasher.update(data);
  return hasher.digest('hex');
}

/** An incremental BLAKE3-256 hasher, for hashing output streams without holding them. */
export interface StreamingHash {
  update(data: Uint8Array | string): StreamingHash;
  digestHex(): string;
}

/** Starts an incremental BLAKE3-256 hash with its own state. */
export async function createStreamingBlake3(): Promise<StreamingHash> {
  const h = await createBLAKE3(256);
  h.init();
  const api: StreamingHash = {
    update(data) {
      h.update(data);
      return api;
    },
    digestHex: () => h.digest('hex'),
  };
  return api;
}
