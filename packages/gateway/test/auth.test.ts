import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { AstridClient } from '@astrid/client';
import { isAstridError } from '@astrid/core';
import { generateKeyPair, keyIdOf, sign, toHex } from '@astrid/crypto';
import { JSONRPCServer } from 'json-rpc-2.0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { type Rig, rig } from './helpers.js';

let r: Rig;
beforeAll(async () => {
  r = await rig({ gateway: { listen: { host: '127.0.0.1', port: 0 } } });
});
afterAll(async () => {
  await r.close();
});

interface Outcome {
  readonly status: number | undefined;
  readonly upgraded: boolean;
}

/** A raw HTTP upgrade request; reports the status line the daemon answered with. */
function upgrade(
  target: { socketPath: string } | { port: number },
  path: string,
  headers: Record<string, string>,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = request({
      ...('socketPath' in target
        ? { socketPath: target.socketPath }
        : { host: '127.0.0.1', port: target.port }),
      path,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, upgraded: true });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode, upgraded: false });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the upgrade is refused before it completes', () => {
  const targets = () => [
    { socketPath: r.gateway.socketPath as string },
    { port: Number(new URL(r.gateway.url as string).port) },
  ];

  it('accepts the right token on /rpc (control)', async () => {
    for (const target of targets()) {
      expect(await upgrade(target, '/rpc', { authorization: `Bearer ${r.token}` })).toEqual({
        status: 101,
        upgraded: true,
      });
    }
  });

  it('no token, a wrong token, a foreign Origin, a wrong path: each refused with an HTTP error', async () => {
    for (const target of targets()) {
      expect(await upgrade(target, '/rpc', {})).toEqual({ status: 401, upgraded: false });
      const wrong = `${r.token.slice(0, -1)}${r.token.endsWith('0') ? '1' : '0'}`;
      expect(await upgrade(target, '/rpc', { authorization: `Bearer ${wrong}` })).toEqual({
        status: 401,
        upgraded: false,
      });
      expect(await upgrade(target, '/rpc', { authorization: `Basic ${r.token}` })).toEqual({
        status: 401,
        upgraded: false,
      });
      expect(
        await upgrade(target, '/rpc', { authorization: `Bearer ${r.token}`, origin: 'https://evil.example' }),
      ).toEqual({ status: 403, upgraded: false });
      expect(await upgrade(target, '/other', { authorization: `Bearer ${r.token}` })).toEqual({
        status: 404,
        upgraded: false,
      });
    }
  });

  it('an allowed Origin is accepted', async () => {
    const allowed = await rig({ gateway: { allowedOrigins: ['http://localhost:5173'] } });
    try {
      const target = { socketPath: allowed.gateway.socketPath as string };
      expect(
        (
          await upgrade(target, '/rpc', {
            authorization: `Bearer ${allowed.token}`,
            origin: 'http://localhost:5173',
          })
        ).status,
      ).toBe(101);
      expect(
        (
          await upgrade(target, '/rpc', {
            authorization: `Bearer ${allowed.token}`,
            origin: 'http://localhost:5174',
          })
        ).status,
      ).toBe(403);
    } finally {
      await allowed.close();
    }
  });

  it('the TCP listener is loopback and daemon.json-free clients reach it by url', async () => {
    const url = r.gateway.url as string;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
    const client = await AstridClient.connect({
      home: r.dirs.data,
      endpoint: { url, token: r.token },
      reconnect: false,
    });
    const status = await client.call('daemon.status');
    expect(status.version).toBeTruthy();
    // The runtime's own sandbox decision (bubblewrap is installed where the tests run).
    expect(status.sandbox).toMatchObject({ configured: 'auto', active: 'yes' });
    await client.close();
  });
});

describe('a client checks daemon.hello', () => {
  it('refuses a process that answers hello without the runtime key', async () => {
    // An impostor on a socket with a daemon.json pointing at it: it accepts any token and
    // answers hello with a key pair of its own.
    const home = r.dirs.root;
    const socket = join(home, 'impostor.sock');
    const { createServer } = await import('node:http');
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const pair = generateKeyPair();
    const rpc = new JSONRPCServer();
    rpc.addMethod('daemon.hello', (params: { nonce: string }) => ({
      protocol: 1,
      version: 'x',
      epoch: 'e',
      keyId: keyIdOf(pair.publicKey),
      publicKey: toHex(pair.publicKey),
      signature: toHex(
        sign(new TextEncoder().encode(`astrid/daemon.hello/v1\n${params.nonce}`), pair.secretKey),
      ),
      connection: 'c1',
    }));
    wss.on('connection', (ws) => {
      ws.on('message', async (data) => {
        const reply = await rpc.receiveJSON(data.toString());
        if (reply !== null) ws.send(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => http.listen(socket, resolve));
    const fakeHome = join(home, 'data');
    const realInfo = join(fakeHome, 'daemon.json');
    const saved = JSON.stringify({ socket: r.gateway.socketPath, token: r.token, pid: process.pid });
    await writeFile(realInfo, JSON.stringify({ socket, token: '0'.repeat(64), pid: process.pid }), {
      mode: 0o600,
    });
    try {
      const err = await AstridClient.connect({ home: fakeHome, reconnect: false }).catch((e: unknown) => e);
      expect(isAstridError(err, 'SIGNATURE_INVALID')).toBe(true);
      expect((err as Error).message).toMatch(/not the runtime key this client trusts/);
    } finally {
      await writeFile(realInfo, saved, { mode: 0o600 });
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await rm(socket, { force: true });
    }
  });

  it('refuses the real daemon when it expects another key', async () => {
    const other = toHex(generateKeyPair().publicKey);
    const err = await r.client({ trustedKeys: [other] }).catch((e: unknown) => e);
    expect(isAstridError(err, 'SIGNATURE_INVALID')).toBe(true);
  });

  it('refuses a daemon.json that group or others can read', async () => {
    const info = join(r.dirs.data, 'daemon.json');
    const { chmod } = await import('node:fs/promises');
    await chmod(info, 0o640);
    try {
      const err = await r.client().catch((e: unknown) => e);
      expect(isAstridError(err, 'STORAGE_UNSAFE_HOME')).toBe(true);
      expect((err as Error).message).toMatch(/mode 640/);
    } finally {
      await chmod(info, 0o600);
    }
    const foreign = await r.client({ uid: 12345 }).catch((e: unknown) => e);
    expect((foreign as Error).message).toMatch(/owned by uid/);
  });
});
