import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AstridError,
  ERROR_CODES,
  type ErrorCode,
  HELLO_CONTEXT,
  isAstridError,
  WIRE_ERROR_CODES,
  WireError,
  wireCodeOf,
} from '@astrid/core';
import { generateKeyPair, keyIdOf, sign, toHex, utf8 } from '@astrid/crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkHello, readDaemonInfo, readTrustedKey } from '../src/index.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'astrid-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const INFO = { socket: '/tmp/x.sock', token: 'ab'.repeat(32), pid: 42 };

describe('readDaemonInfo', () => {
  it('undefined when no daemon.json; the parsed file when it is ours and 0600', async () => {
    expect(await readDaemonInfo(home)).toBeUndefined();
    await writeFile(join(home, 'daemon.json'), JSON.stringify(INFO), { mode: 0o600 });
    expect(await readDaemonInfo(home)).toEqual(INFO);
  });

  it('refuses group/other permission bits, another owner, a symlink, and malformed content', async () => {
    const path = join(home, 'daemon.json');
    await writeFile(path, JSON.stringify(INFO), { mode: 0o600 });
    for (const mode of [0o640, 0o604, 0o660]) {
      await chmod(path, mode);
      const err = await readDaemonInfo(home).catch((e: unknown) => e);
      expect(isAstridError(err, 'STORAGE_UNSAFE_HOME'), mode.toString(8)).toBe(true);
    }
    await chmod(path, 0o600);
    expect(((await readDaemonInfo(home, { uid: 4242 }).catch((e: unknown) => e)) as Error).message).toMatch(
      /owned by uid/,
    );
    await mkdir(join(home, 'other'));
    await writeFile(join(home, 'other', 'real.json'), JSON.stringify(INFO), { mode: 0o600 });
    await rm(path);
    await symlink(join(home, 'other', 'real.json'), path);
    expect(((await readDaemonInfo(home).catch((e: unknown) => e)) as Error).message).toMatch(/symbolic link/);
    await rm(path);
    await writeFile(path, JSON.stringify({ ...INFO, token: 'short' }), { mode: 0o600 });
    expect(isAstridError(await readDaemonInfo(home).catch((e: unknown) => e), 'CONFIG_INVALID')).toBe(true);
  });
});

describe('checkHello', () => {
  const pair = generateKeyPair();
  const publicKey = toHex(pair.publicKey);
  const nonce = '0123456789abcdef0123456789abcdef';
  const hello = (n = nonce, key = pair) => ({
    protocol: 1,
    version: '0',
    epoch: 'ep',
    connection: 'unix:c1',
    keyId: keyIdOf(key.publicKey),
    publicKey: toHex(key.publicKey),
    signature: toHex(sign(utf8(`${HELLO_CONTEXT}${n}`), key.secretKey)),
  });

  it('accepts a signature over our nonce by the trusted key', () => {
    expect(() => checkHello(hello(), nonce, [publicKey])).not.toThrow();
  });

  it('refuses a replayed signature, an untrusted key, a mismatched key id, and garbage', () => {
    const cases = [
      () => checkHello(hello('ffffffffffffffffffffffffffffffff'), nonce, [publicKey]),
      () => checkHello(hello(nonce, generateKeyPair()), nonce, [publicKey]),
      () => checkHello({ ...hello(), keyId: 'k_wrong' }, nonce, [publicKey]),
      () => checkHello({ ...hello(), signature: 'zz' }, nonce, [publicKey]),
    ];
    for (const run of cases) {
      expect(() => run()).toThrow(AstridError);
      try {
        run();
      } catch (err) {
        expect(isAstridError(err, 'SIGNATURE_INVALID')).toBe(true);
      }
    }
  });

  it('trusts only the current key of history.json', async () => {
    expect(await readTrustedKey(home)).toBeUndefined();
    await mkdir(join(home, 'keys'));
    await writeFile(
      join(home, 'keys', 'history.json'),
      JSON.stringify({
        keys: [
          { keyId: 'a', publicKey: 'AA'.repeat(32), createdAt: 1, retiredAt: 2 },
          { keyId: 'b', publicKey: publicKey, createdAt: 2, retiredAt: null },
        ],
      }),
    );
    expect(await readTrustedKey(home)).toBe(publicKey);
  });
});

describe('wire errors', () => {
  it('every AstridError code has its own number in the server range and survives a round trip', () => {
    const codes = Object.keys(ERROR_CODES) as ErrorCode[];
    const numbers = codes.map(wireCodeOf);
    expect(new Set(numbers).size).toBe(codes.length);
    expect(numbers.every((n) => n <= -32000 && n > -32090)).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.string(), (code, message) => {
        const wire = WireError.fromAstridError(new AstridError(code, message, { details: { n: 1 } }));
        const back = new WireError(wire.code, wire.message, JSON.parse(JSON.stringify(wire.toJSON())).data);
        const rebuilt = back.toAstridError();
        return rebuilt?.code === code && rebuilt.message === message && back.astridCode === code;
      }),
    );
  });

  it('wire-only codes are not mistaken for AstridErrors', () => {
    const wire = new WireError(WIRE_ERROR_CODES.LOCKED_DOWN, 'locked', { code: 'LOCKED_DOWN' });
    expect(wire.toAstridError()).toBeUndefined();
    expect(new WireError(WIRE_ERROR_CODES.METHOD_NOT_FOUND, 'x').astridCode).toBe('METHOD_NOT_FOUND');
    expect(wireCodeOf('NOT_SUPPORTED')).toBe(-32091);
  });
});
