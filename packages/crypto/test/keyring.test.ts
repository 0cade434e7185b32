import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateKeyPair,
  keyIdOf,
  loadSecretKey,
  type PublicKeyRecord,
  RuntimeKeyRing,
  saveSecretKey,
  sign,
  toHex,
  utf8,
  verify,
  verifyWithHistory,
} from '../src/index.js';

let home: string;
let dir: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'astrid-'));
  dir = join(home, 'keys');
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const clock = (start: number) => {
  let t = start;
  return () => t++;
};

describe('RuntimeKeyRing.openOrCreate', () => {
  it('creates a key in a 0700 directory, and reopening gives the same key', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir, () => 1000);
    expect(ring.keyId).toMatch(/^ed25519:[0-9a-f]{32}$/);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'runtime.key'))).mode & 0o777).toBe(0o600);
    expect(ring.history()).toEqual([
      { keyId: ring.keyId, publicKey: toHex(ring.publicKey), createdAt: 1000, retiredAt: null },
    ]);

    const again = await RuntimeKeyRing.openOrCreate(dir, () => 2000);
    expect(again.keyId).toBe(ring.keyId);
    expect(toHex(again.publicKey)).toBe(toHex(ring.publicKey));
    expect(again.history()).toEqual(ring.history());
    const opened = await RuntimeKeyRing.open(dir);
    expect(opened.keyId).toBe(ring.keyId);
  });

  it('open() without a key fails with KEY_NOT_FOUND', async () => {
    await expect(RuntimeKeyRing.open(dir)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });

  it('signs with the current key; the signature verifies by key id and by public key', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir);
    const msg = utf8('checkpoint 256');
    const { keyId, signature } = ring.sign(msg);
    expect(keyId).toBe(ring.keyId);
    expect(ring.verify(keyId, msg, signature)).toBe(true);
    expect(verify(signature, msg, ring.publicKey)).toBe(true);
    expect(ring.verify(keyId, utf8('checkpoint 257'), signature)).toBe(false);
  });

  it('hands out copies: changing the returned public key or history changes nothing', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir);
    const pk = ring.publicKey;
    pk[0]! ^= 1;
    expect(toHex(ring.publicKey)).not.toBe(toHex(pk));
    const history = ring.history() as PublicKeyRecord[];
    history.length = 0;
    expect(ring.history()).toHaveLength(1);
  });

  it('refuses a damaged history file (KEY_INVALID)', async () => {
    await RuntimeKeyRing.openOrCreate(dir);
    await writeFile(join(dir, 'history.json'), '{"version":1,"keys":[{"publicKey":"zz"}]}');
    await expect(RuntimeKeyRing.open(dir)).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await writeFile(join(dir, 'history.json'), 'not json');
    await expect(RuntimeKeyRing.openOrCreate(dir)).rejects.toBeInstanceOf(AstridError);
  });
});

describe('RuntimeKeyRing.rotate', () => {
  it('archives the old public key; what it signed still verifies, before and after reopening', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir, () => 100);
    const oldMsg = utf8('signed before rotation');
    const old = ring.sign(oldMsg);

    const { previous, current } = await ring.rotate(() => 200);
    expect(previous).toBe(old.keyId);
    expect(current).toBe(ring.keyId);
    expect(current).not.toBe(previous);

    const history = ring.history();
    expect(history).toHaveLength(2);
    expect(history[0]).toMatchObject({ keyId: previous, createdAt: 100, retiredAt: 200 });
    expect(history[1]).toMatchObject({ keyId: current, createdAt: 200, retiredAt: null });

    const fresh = ring.sign(utf8('after'));
    expect(fresh.keyId).toBe(current);
    for (const r of [ring, await RuntimeKeyRing.openOrCreate(dir)]) {
      expect(r.keyId).toBe(current);
      expect(r.verify(old.keyId, oldMsg, old.signature)).toBe(true);
      expect(verifyWithHistory(r.history(), old.keyId, oldMsg, old.signature)).toBe(true);
      expect(r.verify(fresh.keyId, utf8('after'), fresh.signature)).toBe(true);
      // A signature is bound to the key id it names: the old one under the new id fails.
      expect(r.verify(current, oldMsg, old.signature)).toBe(false);
    }
  });

  it('removes the old secret from disk and leaves no runtime.key.next', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir);
    const before = await readFile(join(dir, 'runtime.key'), 'utf8');
    await ring.rotate();
    const onDisk = await loadSecretKey(join(dir, 'runtime.key'));
    expect(keyIdOf(onDisk.publicKey)).toBe(ring.keyId);
    expect(await readFile(join(dir, 'runtime.key'), 'utf8')).not.toBe(before);
    expect((await readdir(dir)).sort()).toEqual(['history.json', 'runtime.key']);
  });

  it('keeps every archived key across several rotations', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir, clock(0));
    const signed: { keyId: string; msg: Uint8Array; signature: Uint8Array }[] = [];
    for (let i = 0; i < 4; i++) {
      const msg = utf8(`entry ${i}`);
      signed.push({ msg, ...ring.sign(msg) });
      await ring.rotate(clock(10 * (i + 1)));
    }
    const reopened = await RuntimeKeyRing.open(dir);
    expect(reopened.history()).toHaveLength(5);
    expect(reopened.history().filter((r) => r.retiredAt === null)).toHaveLength(1);
    for (const s of signed) expect(reopened.verify(s.keyId, s.msg, s.signature)).toBe(true);
  });

  it('runs concurrent rotations one after another, leaving one consistent current key', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir);
    const results = await Promise.all([ring.rotate(), ring.rotate(), ring.rotate()]);
    expect(results[1]!.previous).toBe(results[0]!.current);
    expect(results[2]!.previous).toBe(results[1]!.current);
    const history = ring.history();
    expect(history).toHaveLength(4);
    expect(history.filter((r) => r.retiredAt === null).map((r) => r.keyId)).toEqual([ring.keyId]);
    const reopened = await RuntimeKeyRing.open(dir);
    expect(reopened.keyId).toBe(ring.keyId);
    expect(reopened.history()).toEqual(history);
  });
});

describe('verification by key id', () => {
  it('fails for an unknown key id', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir);
    const msg = utf8('m');
    const { signature } = ring.sign(msg);
    expect(ring.verify('ed25519:00000000000000000000000000000000', msg, signature)).toBe(false);
    expect(verifyWithHistory([], ring.keyId, msg, signature)).toBe(false);
  });

  it('fails when a history record names one key id but holds another key', () => {
    const honest = generateKeyPair();
    const forger = generateKeyPair();
    const msg = utf8('forged checkpoint');
    const forged = sign(msg, forger.secretKey);
    const history: PublicKeyRecord[] = [
      // The record claims the honest key's id but carries the forger's public key.
      { keyId: keyIdOf(honest.publicKey), publicKey: toHex(forger.publicKey), createdAt: 0, retiredAt: null },
    ];
    expect(verify(forged, msg, forger.publicKey)).toBe(true);
    expect(verifyWithHistory(history, keyIdOf(honest.publicKey), msg, forged)).toBe(false);
  });

  it('fails for a signature by another key under a known key id', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir);
    const msg = utf8('m');
    const other = sign(msg, generateKeyPair().secretKey);
    expect(ring.verify(ring.keyId, msg, other)).toBe(false);
  });
});

describe('crash recovery', () => {
  async function readHistoryFile(): Promise<{ version: number; keys: PublicKeyRecord[] }> {
    return JSON.parse(await readFile(join(dir, 'history.json'), 'utf8'));
  }

  it('completes a rotation whose history was written (runtime.key.next named as current)', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir, () => 1);
    const next = generateKeyPair();
    await saveSecretKey(join(dir, 'runtime.key.next'), next, 2);
    const file = await readHistoryFile();
    file.keys = [
      ...file.keys.map((k) => ({ ...k, retiredAt: 2 })),
      { keyId: keyIdOf(next.publicKey), publicKey: toHex(next.publicKey), createdAt: 2, retiredAt: null },
    ];
    await writeFile(join(dir, 'history.json'), JSON.stringify(file));

    const recovered = await RuntimeKeyRing.openOrCreate(dir);
    expect(recovered.keyId).toBe(keyIdOf(next.publicKey));
    expect(recovered.history().map((r) => r.keyId)).toEqual([ring.keyId, recovered.keyId]);
    expect((await readdir(dir)).sort()).toEqual(['history.json', 'runtime.key']);
  });

  it('drops a runtime.key.next that the history does not name (rotation not decided)', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir);
    await saveSecretKey(join(dir, 'runtime.key.next'), generateKeyPair());
    const recovered = await RuntimeKeyRing.open(dir);
    expect(recovered.keyId).toBe(ring.keyId);
    expect(recovered.history()).toEqual(ring.history());
    expect((await readdir(dir)).sort()).toEqual(['history.json', 'runtime.key']);
  });

  it('drops a damaged runtime.key.next', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir);
    await writeFile(join(dir, 'runtime.key.next'), '{"type":', { mode: 0o600 });
    const recovered = await RuntimeKeyRing.openOrCreate(dir);
    expect(recovered.keyId).toBe(ring.keyId);
    expect((await readdir(dir)).sort()).toEqual(['history.json', 'runtime.key']);
  });

  it('keeps the archived public keys when the secret key file is lost', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir, () => 1);
    const msg = utf8('old checkpoint');
    const old = ring.sign(msg);
    await rm(join(dir, 'runtime.key'));
    const replaced = await RuntimeKeyRing.openOrCreate(dir, () => 5);
    expect(replaced.keyId).not.toBe(old.keyId);
    expect(replaced.history()).toHaveLength(2);
    expect(replaced.history()[0]).toMatchObject({ keyId: old.keyId, retiredAt: 5 });
    expect(replaced.verify(old.keyId, msg, old.signature)).toBe(true);
  });

  it('records a key file that the history does not list (copied in by hand) as current', async () => {
    const ring = await RuntimeKeyRing.openOrCreate(dir, () => 1);
    const copied = generateKeyPair();
    await rm(join(dir, 'runtime.key'));
    await saveSecretKey(join(dir, 'runtime.key'), copied, 9);
    const opened = await RuntimeKeyRing.open(dir);
    expect(opened.keyId).toBe(keyIdOf(copied.publicKey));
    expect(opened.history().map((r) => [r.keyId, r.retiredAt])).toEqual([
      [ring.keyId, 9],
      [opened.keyId, null],
    ]);
  });
});
