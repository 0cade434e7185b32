import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { AstridError, type KeyId } from '@astrid/core';
import { fromHex, toHex } from './bytes.js';
import { createSigner, generateKeyPair, keyIdOf, PUBLIC_KEY_BYTES, verify } from './ed25519.js';
import { type LoadedKey, loadSecretKey, saveSecretKey, syncDir } from './keyfile.js';

/** One public key the runtime has used: current (retiredAt null) or archived by a rotation. */
export interface PublicKeyRecord {
  readonly keyId: KeyId;
  /** 32-byte public key, hex. */
  readonly publicKey: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
}

/**
 * Verifies a signature against a public key history: the key named by `keyId` must be in
 * the history, whether current or archived. Pure, so an offline verifier can use it.
 */
export function verifyWithHistory(
  history: readonly PublicKeyRecord[],
  keyId: string,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const record = history.find((r) => r.keyId === keyId);
  if (record === undefined) return false;
  const publicKey = fromHex('publicKey', record.publicKey, PUBLIC_KEY_BYTES);
  // The id is derived from the key; a history whose id and key disagree is not trusted.
  if (keyIdOf(publicKey) !== keyId) return false;
  return verify(signature, message, publicKey);
}

const SECRET_FILE = 'runtime.key';
const NEXT_FILE = 'runtime.key.next';
const HISTORY_FILE = 'history.json';

/**
 * The runtime's signing key and the history of its public keys, kept in one directory
 * (`$ASTRID_HOME/keys`, 0700). Rotation archives the old public key so that everything it
 * signed (audit checkpoints, tokens) still verifies.
 */
export class RuntimeKeyRing {
  private rotating: Promise<unknown> = Promise.resolve();

  private signer: (message: Uint8Array) => Uint8Array;

  private constructor(
    private readonly dir: string,
    private key: LoadedKey,
    private records: PublicKeyRecord[],
  ) {
    this.signer = createSigner(key.secretKey);
  }

  /** Opens the key ring in `dir`, creating the first key when none exists yet. */
  static async openOrCreate(dir: string, now: () => number = Date.now): Promise<RuntimeKeyRing> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await RuntimeKeyRing.finishRotation(dir);
    try {
      return await RuntimeKeyRing.open(dir);
    } catch (err) {
      if (!(err instanceof AstridError) || err.code !== 'KEY_NOT_FOUND') throw err;
    }
    const pair = generateKeyPair();
    const createdAt = now();
    // A history without a secret key (the key file was lost or removed) keeps its archived
    // public keys: what they signed must still verify after a new key is made.
    const previous = await readHistory(dir);
    await writeHistory(dir, withCurrent(previous, pair.publicKey, createdAt));
    await saveSecretKey(join(dir, SECRET_FILE), pair, createdAt);
    return RuntimeKeyRing.open(dir);
  }

  /** Opens an existing key ring; KEY_NOT_FOUND when there is no key. */
  static async open(dir: string): Promise<RuntimeKeyRing> {
    await RuntimeKeyRing.finishRotation(dir);
    const key = await loadSecretKey(join(dir, SECRET_FILE));
    let records = await readHistory(dir);
    const id = keyIdOf(key.publicKey);
    if (!records.some((r) => r.keyId === id)) {
      // A key file without a history entry (e.g. copied in by hand): record it as current.
      records = withCurrent(records, key.publicKey, key.createdAt);
      await writeHistory(dir, records);
    }
    return new RuntimeKeyRing(dir, key, records);
  }

  // A crash between writing the next key and renaming it leaves runtime.key.next: if the
  // history already names it, the rotation was decided and is completed; otherwise dropped.
  private static async finishRotation(dir: string): Promise<void> {
    const nextPath = join(dir, NEXT_FILE);
    let next: LoadedKey;
    try {
      next = await loadSecretKey(nextPath);
    } catch (err) {
      if (err instanceof AstridError && err.code === 'KEY_NOT_FOUND') return;
      await fs.rm(nextPath, { force: true });
      return;
    }
    const records = await readHistory(dir);
    if (records.some((r) => r.keyId === keyIdOf(next.publicKey))) {
      await fs.rename(nextPath, join(dir, SECRET_FILE));
      await syncDir(dir);
    } else {
      await fs.rm(nextPath, { force: true });
    }
  }

  /** The current key's id. */
  get keyId(): KeyId {
    return keyIdOf(this.key.publicKey);
  }

  /** The current public key (32 bytes). */
  get publicKey(): Uint8Array {
    return this.key.publicKey.slice();
  }

  /** Every public key this runtime has used, oldest first; the last one is current. */
  history(): readonly PublicKeyRecord[] {
    return this.records.slice();
  }

  /** Signs with the current key. */
  sign(message: Uint8Array): { keyId: KeyId; signature: Uint8Array } {
    return { keyId: this.keyId, signature: this.signer(message) };
  }

  /** Verifies a signature made by the current key or any archived one. */
  verify(keyId: string, message: Uint8Array, signature: Uint8Array): boolean {
    return verifyWithHistory(this.records, keyId, message, signature);
  }

  /**
   * Replaces the signing key. The old public key stays in the history (retired now), so
   * what it signed still verifies; the old secret is gone from disk once this resolves.
   */
  rotate(now: () => number = Date.now): Promise<{ previous: KeyId; current: KeyId }> {
    // Rotations run one at a time: two interleaved ones would share runtime.key.next and
    // could leave a secret key on disk that the history does not name as current.
    const run = this.rotating.then(() => this.rotateNow(now));
    this.rotating = run.catch(() => undefined);
    return run;
  }

  private async rotateNow(now: () => number): Promise<{ previous: KeyId; current: KeyId }> {
    const previous = this.keyId;
    const pair = generateKeyPair();
    const at = now();
    const nextPath = join(this.dir, NEXT_FILE);
    await fs.rm(nextPath, { force: true });
    await saveSecretKey(nextPath, pair, at);
    const records = withCurrent(this.records, pair.publicKey, at);
    await writeHistory(this.dir, records);
    await fs.rename(nextPath, join(this.dir, SECRET_FILE));
    await syncDir(this.dir);
    this.key = { ...pair, createdAt: at };
    this.signer = createSigner(pair.secretKey);
    this.records = records;
    return { previous, current: this.keyId };
  }
}

// The history with `publicKey` appended as the current key and every earlier current one
// retired at `at`: exactly one record is current.
function withCurrent(
  records: readonly PublicKeyRecord[],
  publicKey: Uint8Array,
  at: number,
): PublicKeyRecord[] {
  return [
    ...records.map((r) => (r.retiredAt === null ? { ...r, retiredAt: at } : r)),
    { keyId: keyIdOf(publicKey), publicKey: toHex(publicKey), createdAt: at, retiredAt: null },
  ];
}

async function readHistory(dir: string): Promise<PublicKeyRecord[]> {
  let text: string;
  try {
    text = await fs.readFile(join(dir, HISTORY_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(parsed.keys)) throw new Error('missing "keys" array');
    return parsed.keys.map((k: Record<string, unknown>) => {
      const publicKey = fromHex('publicKey', k.publicKey, PUBLIC_KEY_BYTES);
      return {
        keyId: keyIdOf(publicKey),
        publicKey: toHex(publicKey),
        createdAt: Number(k.createdAt ?? 0),
        retiredAt: typeof k.retiredAt === 'number' ? k.retiredAt : null,
      };
    });
  } catch (err) {
    throw new AstridError(
      'KEY_INVALID',
      `key history ${join(dir, HISTORY_FILE)} is damaged: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

async function writeHistory(dir: string, records: readonly PublicKeyRecord[]): Promise<void> {
  const tmp = join(dir, `${HISTORY_FILE}.tmp`);
  await fs.writeFile(tmp, `${JSON.stringify({ version: 1, keys: records }, null, 2)}\n`, { mode: 0o600 });
  const handle = await fs.open(tmp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, join(dir, HISTORY_FILE));
  await syncDir(dir);
}
