export { actionHash } from './action-hash.js';
export { blake3, blake3Hex, createStreamingBlake3, type StreamingHash } from './blake3.js';
export { expectBytes, fromHex, toHex, utf8 } from './bytes.js';
export { canonicalBytes, canonicalJson } from './canonical.js';
export { constantTimeEqual } from './compare.js';
export {
  createSigner,
  type Ed25519KeyPair,
  generateKeyPair,
  keyIdOf,
  PUBLIC_KEY_BYTES,
  portable,
  publicKeyFromSecret,
  SECRET_KEY_BYTES,
  SIGNATURE_BYTES,
  sign,
  verify,
} from './ed25519.js';
export { type LoadedKey, loadSecretKey, saveSecretKey } from './keyfile.js';
export { type PublicKeyRecord, RuntimeKeyRing, verifyWithHistory } from './keyring.js';
export { randomBytesArray, randomId } from './random.js';
