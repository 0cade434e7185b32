import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AstridError, type ErrorCode } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, loadSecretKey, saveSecretKey, toHex } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'astrid-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<AstridError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AstridError);
  expect((err as AstridError).code).toBe(code);
  return err as AstridError;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('saveSecretKey', () => {
  it('creates the key file 0600 and a missing parent 0700, and loadSecretKey reads it back', async () => {
    const path = join(dir, 'keys', 'nested', 'runtime.key');
    const pair = generateKeyPair();
    await saveSecretKey(path, pair, 1_700_000_000_000);
    expect(await mode(path)).toBe(0o600);
    expect(await mode(join(dir, 'keys', 'nested'))).toBe(0o700);
    const loaded = await loadSecretKey(path);
    expect(toHex(loaded.secretKey)).toBe(toHex(pair.secretKey));
    expect(toHex(loaded.publicKey)).toBe(toHex(pair.publicKey));
    expect(loaded.createdAt).toBe(1_700_000_000_000);
  });

  it('writes the documented format: one JSON line with type, version, hex keys and createdAt', async () => {
    const path = join(dir, 'k', 'a.key');
    const pair = generateKeyPair();
    await saveSecretKey(path, pair, 5);
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      type: 'astrid-ed25519-secret-key',
      version: 1,
      publicKey: toHex(pair.publicKey),
      secretKey: toHex(pair.secretKey),
      createdAt: 5,
    });
  });

  it('refuses to overwrite an existing key file (KEY_EXISTS) and leaves it intact', async () => {
    const path = join(dir, 'k', 'a.key');
    const first = generateKeyPair();
    await saveSecretKey(path, first);
    const before = await readFile(path, 'utf8');
    const err = await rejection(saveSecretKey(path, generateKeyPair()), 'KEY_EXISTS');
    expect(err.message).toContain(path);
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('refuses to write through a symlink at the key path', async () => {
    const k = join(dir, 'k');
    await mkdir(k, { mode: 0o700 });
    await symlink(join(dir, 'elsewhere'), join(k, 'a.key'));
    await expect(saveSecretKey(join(k, 'a.key'), generateKeyPair())).rejects.toThrow();
    await expect(stat(join(dir, 'elsewhere'))).rejects.toThrow();
  });

  it.each([0o755, 0o750, 0o705, 0o777])(
    'refuses an existing parent directory with mode %o',
    async (loose) => {
      const k = join(dir, 'k');
      await mkdir(k);
      await chmod(k, loose);
      const err = await rejection(saveSecretKey(join(k, 'a.key'), generateKeyPair()), 'KEY_PERMISSIONS');
      expect(err.message).toContain(loose.toString(8));
      await expect(stat(join(k, 'a.key'))).rejects.toThrow();
    },
  );
});

describe('loadSecretKey', () => {
  let path: string;
  beforeEach(async () => {
    path = join(dir, 'k', 'a.key');
    await saveSecretKey(path, generateKeyPair());
  });

  it('KEY_NOT_FOUND for a missing file', async () => {
    const err = await rejection(loadSecretKey(join(dir, 'k', 'none.key')), 'KEY_NOT_FOUND');
    expect(err.message).toContain('none.key');
  });

  // chmod works as root too: the mode bits are checked, not whether the open is denied.
  it.each([0o640, 0o604, 0o644, 0o660, 0o606, 0o700, 0o400])(
    'refuses a key file with mode %o only if group or others have access',
    async (m) => {
      await chmod(path, m);
      if ((m & 0o077) === 0) {
        expect((await loadSecretKey(path)).publicKey).toHaveLength(32);
      } else {
        const err = await rejection(loadSecretKey(path), 'KEY_PERMISSIONS');
        expect(err.message).toContain('chmod 600');
      }
    },
  );

  it('refuses a symlink, even to a valid 0600 key file', async () => {
    const link = join(dir, 'k', 'link.key');
    await symlink(path, link);
    const err = await rejection(loadSecretKey(link), 'KEY_PERMISSIONS');
    expect(err.message).toContain('symlink');
  });

  it('refuses a directory at the key path (KEY_INVALID)', async () => {
    const d = join(dir, 'k', 'dir.key');
    await mkdir(d, { mode: 0o700 });
    await rejection(loadSecretKey(d), 'KEY_INVALID');
  });

  it('refuses a key file owned by another user', async () => {
    const owner = (await stat(path)).uid;
    // Run the check as if this process were another user (no chown, so no root needed).
    const err = await rejection(loadSecretKey(path, { uid: owner + 4242 }), 'KEY_PERMISSIONS');
    expect(err.message).toContain(`uid ${owner},`);
    await expect(loadSecretKey(path, { uid: owner })).resolves.toBeDefined();
  });

  const damaged: [string, (good: Record<string, unknown>) => string][] = [
    ['not JSON', () => '{"type":'],
    ['JSON but not an object', () => '42'],
    ['JSON null', () => 'null'],
    ['another file type', (g) => JSON.stringify({ ...g, type: 'ssh-ed25519' })],
    ['another version', (g) => JSON.stringify({ ...g, version: 2 })],
    ['a short secret key', (g) => JSON.stringify({ ...g, secretKey: (g.secretKey as string).slice(2) })],
    [
      'a secret key that is not hex',
      (g) => JSON.stringify({ ...g, secretKey: `zz${(g.secretKey as string).slice(2)}` }),
    ],
    ['a missing public key', (g) => JSON.stringify({ ...g, publicKey: undefined })],
    ['a file over 4 KiB', (g) => JSON.stringify({ ...g, pad: 'x'.repeat(5000) })],
  ];
  it.each(damaged)('refuses a damaged file: %s (KEY_INVALID)', async (_name, damage) => {
    const good = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, damage(good), { mode: 0o600 });
    await rejection(loadSecretKey(path), 'KEY_INVALID');
  });

  it('refuses a file whose public key does not match its secret key', async () => {
    const good = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const other = generateKeyPair();
    await writeFile(path, JSON.stringify({ ...good, publicKey: toHex(other.publicKey) }), { mode: 0o600 });
    const err = await rejection(loadSecretKey(path), 'KEY_INVALID');
    expect(err.message).toContain('does not match');
  });

  it('never puts the secret key in an error message', async () => {
    const good = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...good, publicKey: toHex(generateKeyPair().publicKey) }), {
      mode: 0o600,
    });
    const err = await rejection(loadSecretKey(path), 'KEY_INVALID');
    expect(err.message).not.toContain(good.secretKey as string);
  });
});
