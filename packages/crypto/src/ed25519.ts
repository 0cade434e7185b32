import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  randomBytes,
} from 'node:crypto';
import { type KeyId, keyId } from '@astrid/core';
import * as noble from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { blake3 } from './blake3.js';
import { expectBytes, toHex } from './bytes.js';

// noble's synchronous API needs a SHA-512; the async one uses WebCrypto.
noble.hashes.sha512 = sha512;

export const SECRET_KEY_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

// DER prefixes that wrap a raw 32-byte ed25519 seed / public key as PKCS#8 / SPKI, so that
// node:crypto (OpenSSL) can use them. node:crypto verifies ~15x faster than noble here.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** An ed25519 key pair: the 32-byte secret seed and the 32-byte public key. */
export interface Ed25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' });
}

// Parsing an SPKI blob costs more than the verification itself; verifiers see few distinct
// keys (the runtime key, its history, a handful of trusted keys), so keep their objects.
const publicKeyObjects = new Map<string, KeyObject>();
const MAX_CACHED_PUBLIC_KEYS = 256;

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = toHex(publicKey);
  let key = publicKeyObjects.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    if (publicKeyObjects.size >= MAX_CACHED_PUBLIC_KEYS) publicKeyObjects.clear();
    publicKeyObjects.set(id, key);
  }
  return key;
}

/** A new random key pair (randomness from node:crypto). */
export function generateKeyPair(): Ed25519KeyPair {
  const secretKey = new Uint8Array(randomBytes(SECRET_KEY_BYTES));
  return { secretKey, publicKey: publicKeyFromSecret(secretKey) };
}

/** The public key of a 32-byte secret seed. */
export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  expectBytes('secretKey', secretKey, SECRET_KEY_BYTES);
  const der = createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

/** Signs `message` with a 32-byte secret seed (RFC 8032 ed25519, deterministic). */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  expectBytes('message', message);
  expectBytes('secretKey', secretKey, SECRET_KEY_BYTES);
  return new Uint8Array(nodeSign(null, message, privateKeyObject(secretKey)));
}

/**
 * A signing function that keeps the parsed private key, for a key used many times (the
 * runtime key signs every checkpoint and token): parsing the key costs more than signing.
 */
export function createSigner(secretKey: Uint8Array): (message: Uint8Array) => Uint8Array {
  expectBytes('secretKey', secretKey, SECRET_KEY_BYTES);
  const key = privateKeyObject(secretKey);
  return (message) => {
    expectBytes('message', message);
    return new Uint8Array(nodeSign(null, message, key));
  };
}

/**
 * Verifies an ed25519 signature. Returns false (never throws) for a wrong signature or a
 * public key that is not a valid point; throws only for arguments of the wrong type or size.
 */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  expectBytes('signature', signature, SIGNATURE_BYTES);
  expectBytes('message', message);
  expectBytes('publicKey', publicKey, PUBLIC_KEY_BYTES);
  try {
    return nodeVerify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/** The portable pure-JS implementation (@noble/ed25519), used to cross-check node:crypto. */
export const portable = {
  /** Signs with @noble/ed25519. */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
    expectBytes('message', message);
    expectBytes('secretKey', secretKey, SECRET_KEY_BYTES);
    return noble.sign(message, secretKey);
  },
  /** Verifies with @noble/ed25519 (RFC 8032 semantics, cofactorless, like OpenSSL). */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    expectBytes('signature', signature, SIGNATURE_BYTES);
    expectBytes('message', message);
    expectBytes('publicKey', publicKey, PUBLIC_KEY_BYTES);
    try {
      return noble.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  /** The public key of a secret seed, computed by @noble/ed25519. */
  publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
    expectBytes('secretKey', secretKey, SECRET_KEY_BYTES);
    return noble.getPublicKey(secretKey);
  },
} as const;

/** A short stable id for a public key: `ed25519:` + the first 16 bytes of its BLAKE3, in hex. */
export function keyIdOf(publicKey: Uint8Array): KeyId {
  expectBytes('publicKey', publicKey, PUBLIC_KEY_BYTES);
  return keyId(`ed25519:${toHex(blake3(publicKey).subarray(0, 16))}`);
}
