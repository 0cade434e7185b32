import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { AstridError, MAX_FRAME_BYTES, RPC_PATH } from '@astrid/core';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Peer } from './connection.js';
import { checkUpgrade, refusalResponse, type UpgradePolicy } from './upgrade-auth.js';

/** A TCP listener (`--listen`). */
export interface TcpListen {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Required off loopback: PEM certificate and key. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

/** Called for every upgraded, authenticated WebSocket. */
export type OnSocket = (ws: WebSocket, peer: Peer) => void;

/** The listening sockets of one daemon run. */
export class Transport {
  private readonly wss: WebSocketServer;
  private readonly servers: Server[] = [];
  private socketPath: string | undefined;
  /** `ws://127.0.0.1:<port>/rpc` (or `wss://`) when listening on TCP. */
  url: string | undefined;

  constructor(
    private readonly policy: UpgradePolicy,
    private readonly onSocket: OnSocket,
    private readonly onRefused: (reason: string, peer: Peer) => void,
  ) {
    // noServer: the upgrade is ours to check before ws completes it.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  }

  /**
   * Listens on a Unix socket in a 0700 directory (the socket itself 0600). A leftover
   * socket file from a crashed run is removed first: the caller holds the daemon lock, so
   * no live daemon owns it. Anything else at that path is refused.
   */
  async listenUnix(path: string): Promise<void> {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const existing = await lstat(path).catch(() => undefined);
    if (existing !== undefined) {
      if (!existing.isSocket()) {
        throw new AstridError(
          'INVALID_ARGUMENT',
          `${path} exists and is not a socket; refusing to replace it`,
        );
      }
      await unlink(path);
    }
    const server = this.serve(createHttpServer(), { transport: 'unix' });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, 0o600);
    this.socketPath = path;
  }

  /** Listens on TCP (plain on loopback, TLS when `tls` is given); sets {@link url}. */
  async listenTcp(listen: TcpListen): Promise<void> {
    const base = listen.tls === undefined ? createHttpServer() : createHttpsServer({ ...listen.tls });
    const server = this.serve(base, { transport: 'tcp' });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `${listen.tls === undefined ? 'ws' : 'wss'}://${host}:${address.port}${RPC_PATH}`;
  }

  /** Stops accepting connections and removes the socket file. Open sockets are not touched. */
  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
          }),
      ),
    );
    this.wss.close();
    if (this.socketPath !== undefined) await unlink(this.socketPath).catch(() => undefined);
  }

  private serve(server: Server, base: Peer): Server {
    this.servers.push(server);
    server.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`upgrade to a WebSocket on ${RPC_PATH}\n`);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const peer: Peer =
        base.transport === 'tcp'
          ? { transport: 'tcp', remote: `${socket.remoteAddress}:${socket.remotePort}` }
          : { transport: 'unix' };
      socket.on('error', () => socket.destroy());
      const refusal = checkUpgrade(req.url, req.headers, this.policy);
      if (refusal !== undefined) {
        this.onRefused(refusal.reason, peer);
        socket.end(refusalResponse(refusal));
        setTimeout(() => socket.destroy(), 1000).unref();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, peer));
    });
    return server;
  }
}
