import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { AstridError } from '@astrid/core';
import { fromHex, toHex } from './bytes.js';
import { constantTimeEqual } from './compare.js';
import { type Ed25519KeyPair, PUBLIC_KEY_BYTES, publicKeyFromSecret, SECRET_KEY_BYTES } from './ed25519.js';

const KEY_FILE_TYPE = 'astrid-ed25519-secret-key';
const MAX_KEY_FILE_BYTES = 4096;

/**
 * Writes a secret key file: mode 0600, created exclusively (an existing file is never
 * overwritten), fsynced. The parent directory is created 0700; an existing parent that is
 * group- or other-accessible is refused, since the file would sit where others can list it.
 */
export async function saveSecretKey(
  path: string,
  pair: Ed25519KeyPair,
  createdAt = Date.now(),
): Promise<void> {
  const parent = dirname(path);
  await fs.mkdir(parent, { recursive: true, mode: 0o700 });
  const st = await fs.stat(parent);
  if ((st.mode & 0o077) !== 0) {
    throw new AstridError(
      'KEY_PERMISSIONS',
      `refusing to write key ${path}: directory ${parent} has mode ${(st.mode & 0o777).toString(8)}, expected 700`,
    );
  }
  const body = `${JSON.stringify({
    type: KEY_FILE_TYPE,
    version: 1,
    publicKey: toHex(pair.publicKey),
    secretKey: toHex(pair.secretKey),
    createdAt,
  })}\n`;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AstridError('KEY_EXISTS', `refusing to overwrite existing key file ${path}`, { cause: err });
    }
    throw err;
  }
  try {
    await handle.writeFile(body, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDir(parent);
}

/** A loaded secret key with the time it was created. */
export interface LoadedKey extends Ed25519KeyPair {
  readonly createdAt: number;
}

/**
 * Loads a secret key file. Like ssh, refuses a file readable or writable by group or
 * others, or owned by another user, and refuses to follow a symlink. The stored public key
 * must match the one derived from the secret.
 */
export async function loadSecretKey(path: string, options: { uid?: number } = {}): Promise<LoadedKey> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AstridError('KEY_NOT_FOUND', `key file ${path} does not exist`, { cause: err });
    if (code === 'ELOOP')
      throw new AstridError('KEY_PERMISSIONS', `key file ${path} is a symlink`, { cause: err });
    throw err;
  }
  let text: string;
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new AstridError('KEY_INVALID', `key file ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new AstridError(
        'KEY_PERMISSIONS',
        `key file ${path} has mode ${(st.mode & 0o777).toString(8)}; it must not be accessible by group or others (chmod 600)`,
      );
    }
    // `uid` is injectable so the ownership check is tested without root or chown.
    const uid = options.uid ?? process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw new AstridError(
        'KEY_PERMISSIONS',
        `key file ${path} is owned by uid ${st.uid}, not by this user (${uid})`,
      );
    }
    if (st.size > MAX_KEY_FILE_BYTES) throw new AstridError('KEY_INVALID', `key file ${path} is too large`);
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  return parseKeyFile(path, text);
}

function parseKeyFile(path: string, text: string): LoadedKey {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AstridError('KEY_INVALID', `key file ${path} is not valid JSON`, { cause: err });
  }
  const rec = raw as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || rec.type !== KEY_FILE_TYPE || rec.version !== 1) {
    throw new AstridError('KEY_INVALID', `key file ${path} is not an ${KEY_FILE_TYPE} v1 file`);
  }
  try {
    const secretKey = fromHex('secretKey', rec.secretKey, SECRET_KEY_BYTES);
    const publicKey = fromHex('publicKey', rec.publicKey, PUBLIC_KEY_BYTES);
    if (!constantTimeEqual(publicKeyFromSecret(secretKey), publicKey)) {
      throw new Error('the stored public key does not match the secret key');
    }
    const createdAt = typeof rec.createdAt === 'number' ? rec.createdAt : 0;
    return { secretKey, publicKey, createdAt };
  } catch (err) {
    throw new AstridError('KEY_INVALID', `key file ${path} is damaged: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** fsyncs a directory so a created or renamed entry survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
