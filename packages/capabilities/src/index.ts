export {
  type ArgvResourceInput,
  DEFAULT_TOKEN_TTL_MS,
  type MintOptions,
  type MintParams,
  mintToken,
  type TokenResourceInput,
  type TokenSigner,
} from './mint.js';
export {
  type ConsumedRecord,
  DEFAULT_PRUNE_INTERVAL_MS,
  DEFAULT_TOKEN_RETENTION_MS,
  type PruneResult,
  type RevokedRecord,
} from './prune.js';
export {
  type ArgvResource,
  actionResourceProblem,
  resourceProblem,
  type TokenResource,
  type UriActionKind,
  type UriResource,
} from './resource.js';
export { CapabilityStore, type CapabilityStoreOptions, TOKEN_STORES } from './store.js';
export {
  type CapabilityToken,
  decodeToken,
  encodeToken,
  parseToken,
  signedBytes,
  TOKEN_VERSION,
  type TokenScope,
  tokenHash,
  type UnsignedToken,
} from './token.js';
export { type TrustedKey, TrustedKeys, type TrustedKeysOptions } from './trusted-keys.js';
export {
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_SIGNATURE_CACHE_SIZE,
  type SignatureCacheStats,
  type TokenRequest,
  type TokenState,
  TokenVerifier,
  type TokenVerifierOptions,
} from './verifier.js';
