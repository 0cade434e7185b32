import type { KeyId } from '@astrid/core';
import { fromHex, keyIdOf, PUBLIC_KEY_BYTES, type PublicKeyRecord, toHex } from '@astrid/crypto';

/** A public key whose signatures on tokens are accepted. */
export interface TrustedKey {
  readonly keyId: KeyId;
  readonly publicKey: Uint8Array;
  /** Lower-case hex of {@link publicKey}. */
  readonly publicKeyHex: string;
  /** When a rotation retired this runtime key (ms), or null for a current or configured key. */
  readonly retiredAt: number | null;
}

/** Where trusted keys come from: the runtime key history and user-configured public keys. */
export interface TrustedKeysOptions {
  /** The runtime's key history, current key included (e.g. `() => keyRing.history()`). */
  readonly history?: () => readonly PublicKeyRecord[];
  /** User-configured trusted public keys (32 bytes, hex), e.g. from `[security] trusted_keys`. */
  readonly publicKeys?: readonly string[];
}

/**
 * The set of issuers whose tokens this runtime accepts: every key in the runtime's history
 * (so tokens signed before a rotation still verify) plus keys the user configured.
 */
export class TrustedKeys {
  private readonly configured: TrustedKey[];
  private readonly history: () => readonly PublicKeyRecord[];
  private byId = new Map<string, TrustedKey>();
  private seenHistoryLength = -1;

  constructor(options: TrustedKeysOptions) {
    this.history = options.history ?? (() => []);
    this.configured = (options.publicKeys ?? []).map((hex, i) => {
      const publicKey = fromHex(`publicKeys[${i}]`, hex, PUBLIC_KEY_BYTES);
      return { keyId: keyIdOf(publicKey), publicKey, publicKeyHex: toHex(publicKey), retiredAt: null };
    });
    this.refresh();
  }

  /** Trusts a key ring's whole history (read again after each rotation) plus `publicKeys`. */
  static fromKeyRing(
    ring: { history(): readonly PublicKeyRecord[] },
    publicKeys: readonly string[] = [],
  ): TrustedKeys {
    return new TrustedKeys({ history: () => ring.history(), publicKeys });
  }

  /** The trusted key with this id, or undefined when the issuer is not trusted. */
  lookup(keyId: string): TrustedKey | undefined {
    const key = this.byId.get(keyId);
    if (key !== undefined) return key;
    // A miss may mean the runtime key rotated since we last looked; history only grows.
    return this.refresh() ? this.byId.get(keyId) : undefined;
  }

  private refresh(): boolean {
    const records = this.history();
    if (records.length === this.seenHistoryLength) return false;
    const byId = new Map<string, TrustedKey>();
    for (const record of records) {
      const publicKey = fromHex('publicKey', record.publicKey, PUBLIC_KEY_BYTES);
      // The id is recomputed from the key: a history entry whose id names another key is ignored.
      const id = keyIdOf(publicKey);
      if (id !== record.keyId) continue;
      byId.set(id, { keyId: id, publicKey, publicKeyHex: toHex(publicKey), retiredAt: record.retiredAt });
    }
    for (const key of this.configured) if (!byId.has(key.keyId)) byId.set(key.keyId, key);
    this.byId = byId;
    this.seenHistoryLength = records.length;
    return true;
  }
}
