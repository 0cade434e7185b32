import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { AstridError, HELLO_CONTEXT, type RpcResults } from '@astrid/core';
import { fromHex, keyIdOf, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, utf8, verify } from '@astrid/crypto';

/**
 * The runtime public key a client trusts: the current key of `<home>/keys/history.json`.
 * The daemon writes it, in the same user-owned data dir as `daemon.json`, so the trust root
 * is the data dir itself; an archived key is not accepted (a retired key may have leaked).
 * Undefined when there is no history yet.
 */
export async function readTrustedKey(home: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(join(home, 'keys', 'history.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as { keys?: { publicKey?: unknown; retiredAt?: unknown }[] };
  const current = parsed.keys?.find((k) => k.retiredAt === null);
  return typeof current?.publicKey === 'string' ? current.publicKey.toLowerCase() : undefined;
}

/**
 * Checks a `daemon.hello` answer: the key id matches the key, the signature over
 * `HELLO_CONTEXT + nonce` verifies, and the key is one the client trusts. Throws
 * SIGNATURE_INVALID naming what failed; a process that took the daemon's socket or port
 * without its secret key cannot pass.
 */
export function checkHello(
  hello: RpcResults['daemon.hello'],
  nonce: string,
  trusted: readonly string[],
): void {
  let publicKey: Uint8Array;
  let signature: Uint8Array;
  try {
    publicKey = fromHex('publicKey', hello.publicKey, PUBLIC_KEY_BYTES);
    signature = fromHex('signature', hello.signature, SIGNATURE_BYTES);
  } catch (err) {
    throw new AstridError('SIGNATURE_INVALID', `daemon.hello answered a malformed key or signature`, {
      cause: err,
    });
  }
  if (keyIdOf(publicKey) !== hello.keyId) {
    throw new AstridError('SIGNATURE_INVALID', 'daemon.hello: the key id does not match the key');
  }
  if (!verify(signature, utf8(`${HELLO_CONTEXT}${nonce}`), publicKey)) {
    throw new AstridError('SIGNATURE_INVALID', 'daemon.hello: the signature over our nonce does not verify');
  }
  if (!trusted.includes(hello.publicKey.toLowerCase())) {
    throw new AstridError(
      'SIGNATURE_INVALID',
      `daemon.hello: key ${hello.keyId} is not the runtime key this client trusts`,
    );
  }
}
