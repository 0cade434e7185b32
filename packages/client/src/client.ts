import { randomBytes } from 'node:crypto';
import {
  AstridError,
  RPC_PATH,
  type RpcMethod,
  type RpcNotifications,
  type RpcParams,
  type RpcResults,
  WIRE_ERROR_CODES,
  WireError,
  type WireErrorData,
} from '@astrid/core';
import { JSONRPCClient, JSONRPCErrorException } from 'json-rpc-2.0';
import { WebSocket } from 'ws';
import { type DaemonInfo, readDaemonInfo, resolveDataDir } from './daemon-file.js';
import { checkHello, readTrustedKey } from './hello.js';

/** Where to reach a daemon without reading `daemon.json`. */
export interface Endpoint {
  readonly socket?: string;
  readonly url?: string;
  readonly token: string;
}

/** Options of {@link AstridClient.connect}. */
export interface AstridClientOptions {
  /** The data dir; default `$ASTRID_HOME`, else `~/.astrid`. */
  readonly home?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Connect here instead of where `daemon.json` says (a remote daemon). */
  readonly endpoint?: Endpoint;
  /** Runtime public keys (hex) to accept; default the current key of `<home>/keys/history.json`. */
  readonly trustedKeys?: readonly string[];
  /** Sent in `daemon.hello`; recorded as the frontend in `decidedBy`. */
  readonly clientName?: string;
  readonly clientVersion?: string;
  /**
   * Starts a daemon when none runs (the CLI passes its own `astridd --ephemeral`); the client
   * then waits for `daemon.json`. Without it, no daemon is an error.
   */
  readonly launch?: () => Promise<void> | void;
  /** How long to wait for a launched daemon (default 10 s). */
  readonly launchTimeoutMs?: number;
  /** Reconnect after the connection drops (default on: every 250 ms, up to 40 tries). */
  readonly reconnect?: false | { readonly attempts?: number; readonly delayMs?: number };
  /** CA for a TLS (`wss://`) daemon with its own certificate. */
  readonly tlsCa?: string | Buffer;
  /** For tests: the uid `daemon.json` must belong to. */
  readonly uid?: number;
}

/** The client's connection state. */
export type ClientState = 'open' | 'reconnecting' | 'closed';

type Listener<T> = (params: T) => void;

function connectionLost(message: string): WireError {
  return new WireError(WIRE_ERROR_CODES.INTERNAL_ERROR, message, { code: 'CONNECTION_LOST' });
}

function unavailable(message: string, cause?: unknown): AstridError {
  return new AstridError('DAEMON_UNAVAILABLE', message, { cause });
}

/**
 * A typed JSON-RPC client of the Astrid daemon. It finds the daemon through `daemon.json`
 * (refusing one another user could have written or read), authenticates with its bearer
 * token, and checks `daemon.hello` against the runtime's public key before any other call.
 * After a dropped connection it reconnects (reading `daemon.json` again: the token changes
 * every start) and resubscribes with `since`, so no session or approval event is missed or
 * repeated. Errors come back as the daemon's AstridError (same code), or a WireError.
 */
export class AstridClient {
  private ws: WebSocket | undefined;
  private rpc: JSONRPCClient;
  private nextId = 0;
  private readonly listeners = new Map<string, Set<Listener<never>>>();
  private readonly stateListeners = new Set<(state: ClientState) => void>();
  private readonly sessionSeqs = new Map<string, number>();
  private approvalSeq: number | undefined;
  private reconnecting: Promise<void> | undefined;
  private closed = false;
  private helloResult: RpcResults['daemon.hello'] | undefined;
  private readonly home: string;

  private constructor(private readonly options: AstridClientOptions) {
    this.home = options.home ?? resolveDataDir(options.env);
    this.rpc = this.newRpc();
  }

  /** Connects (launching a daemon if none runs and `launch` is given) and checks hello. */
  static async connect(options: AstridClientOptions = {}): Promise<AstridClient> {
    const client = new AstridClient(options);
    await client.establish(true);
    return client;
  }

  /** The verified `daemon.hello` answer of the current connection. */
  get hello(): RpcResults['daemon.hello'] {
    if (this.helloResult === undefined) throw new AstridError('INTERNAL', 'not connected');
    return this.helloResult;
  }

  /** Calls a method; resolves with its typed result or rejects with the daemon's error. */
  async call<M extends RpcMethod>(
    method: M,
    ...args: Record<never, never> extends RpcParams<M> ? [RpcParams<M>?] : [RpcParams<M>]
  ): Promise<RpcResults[M]> {
    if (this.closed) throw connectionLost('the client is closed');
    if (this.reconnecting !== undefined) await this.reconnecting;
    return this.request(method, args[0] ?? {});
  }

  /** Listens to a notification; returns the function that stops listening. */
  on<N extends keyof RpcNotifications>(method: N, listener: Listener<RpcNotifications[N]>): () => void {
    const set = this.listeners.get(method) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(method, set);
    return () => set.delete(listener as Listener<never>);
  }

  /** Listens to connection state changes. */
  onState(listener: (state: ClientState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Subscribes to a session's events (replaying those after `since`); kept across reconnects. */
  async subscribeSession(sessionId: string, since?: number): Promise<RpcResults['session.subscribe']> {
    // Tracked before the call: replayed events arrive before its answer.
    if (since !== undefined || !this.sessionSeqs.has(sessionId)) this.sessionSeqs.set(sessionId, since ?? 0);
    const result = await this.call(
      'session.subscribe',
      since === undefined ? { sessionId } : { sessionId, since },
    );
    this.sessionSeqs.set(sessionId, Math.max(this.sessionSeqs.get(sessionId) ?? 0, result.lastSeq));
    return result;
  }

  /** Stops a session's events. */
  async unsubscribeSession(sessionId: string): Promise<void> {
    this.sessionSeqs.delete(sessionId);
    await this.call('session.unsubscribe', { sessionId });
  }

  /** Subscribes to every session's approval events; kept across reconnects. */
  async subscribeApprovals(since?: number): Promise<RpcResults['approval.subscribe']> {
    if (since !== undefined || this.approvalSeq === undefined) this.approvalSeq = since ?? 0;
    const result = await this.call('approval.subscribe', since === undefined ? {} : { since });
    this.approvalSeq = Math.max(this.approvalSeq ?? 0, result.lastSeq);
    return result;
  }

  /** The last session event seq this client has seen (what a reconnect replays after). */
  lastSeq(sessionId: string): number | undefined {
    return this.sessionSeqs.get(sessionId);
  }

  /** Closes the connection; pending calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rpc.rejectAllPendingRequests('the client was closed');
    const ws = this.ws;
    if (ws !== undefined && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'bye');
      });
    }
    this.emitState('closed');
  }

  private async request<M extends RpcMethod>(
    method: M,
    params: RpcParams<M> | object,
  ): Promise<RpcResults[M]> {
    try {
      return (await this.rpc.request(method, params)) as RpcResults[M];
    } catch (err) {
      if (err instanceof JSONRPCErrorException) {
        const wire = new WireError(err.code, err.message, err.data as WireErrorData | undefined);
        throw wire.toAstridError() ?? wire;
      }
      throw err;
    }
  }

  private newRpc(): JSONRPCClient {
    // Ids start at 0: the daemon must treat id 0 as an id (no truthiness checks).
    return new JSONRPCClient(
      (payload) => {
        const ws = this.ws;
        if (ws === undefined || ws.readyState !== WebSocket.OPEN)
          throw connectionLost('not connected to the daemon');
        ws.send(JSON.stringify(payload));
      },
      () => this.nextId++,
    );
  }

  private async endpoint(first: boolean): Promise<Endpoint> {
    if (this.options.endpoint !== undefined) return this.options.endpoint;
    const info = await readDaemonInfo(
      this.home,
      this.options.uid === undefined ? {} : { uid: this.options.uid },
    );
    if (info !== undefined) return info;
    if (this.options.launch === undefined || !first) {
      throw unavailable(`no daemon runs for ${this.home} (no daemon.json): start astridd`);
    }
    await this.options.launch();
    const deadline = Date.now() + (this.options.launchTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const launched = await readDaemonInfo(
        this.home,
        this.options.uid === undefined ? {} : { uid: this.options.uid },
      );
      if (launched !== undefined) return launched;
    }
    throw unavailable(`the launched daemon did not write ${this.home}/daemon.json in time`);
  }

  private async establish(first: boolean): Promise<void> {
    const endpoint = await this.endpoint(first);
    const ws = await this.open(endpoint);
    this.ws = ws;
    this.rpc = this.newRpc();
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.on('close', () => this.onClose(ws));
    const nonce = randomBytes(16).toString('hex');
    const client = {
      name: this.options.clientName ?? 'client',
      ...(this.options.clientVersion === undefined ? {} : { version: this.options.clientVersion }),
    };
    try {
      const hello = await this.request('daemon.hello', { nonce, client });
      const trusted =
        this.options.trustedKeys ?? [await readTrustedKey(this.home)].filter((k) => k !== undefined);
      if (trusted.length === 0) {
        throw new AstridError(
          'KEY_NOT_FOUND',
          `no trusted runtime key: ${this.home}/keys/history.json is missing`,
        );
      }
      checkHello(hello, nonce, trusted);
      this.helloResult = hello;
    } catch (err) {
      // Forget the socket first, so its close does not start a reconnect of its own; a
      // failed first connect also closes the client (the caller never gets it).
      this.ws = undefined;
      if (first) this.closed = true;
      ws.terminate();
      throw err;
    }
    // Resubscribe where we were: the daemon replays exactly what was missed.
    for (const [sessionId, since] of this.sessionSeqs)
      await this.request('session.subscribe', { sessionId, since });
    if (this.approvalSeq !== undefined) await this.request('approval.subscribe', { since: this.approvalSeq });
    this.emitState('open');
  }

  private open(endpoint: DaemonInfo | Endpoint): Promise<WebSocket> {
    const address =
      endpoint.socket !== undefined ? `ws+unix://${endpoint.socket}:${RPC_PATH}` : (endpoint.url as string);
    const ws = new WebSocket(address, {
      headers: { authorization: `Bearer ${endpoint.token}` },
      perMessageDeflate: false,
      ...(this.options.tlsCa === undefined ? {} : { ca: this.options.tlsCa }),
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => {
        reject(unavailable(`the daemon refused the connection: HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', (err) =>
        reject(unavailable(`cannot reach the daemon at ${address}: ${err.message}`, err)),
      );
    });
  }

  private onMessage(text: string): void {
    let message: { id?: unknown; method?: unknown; params?: unknown } | unknown[];
    try {
      message = JSON.parse(text);
    } catch {
      return; // the daemon only sends JSON; anything else is ignored
    }
    if (Array.isArray(message)) {
      this.rpc.receive(message as Parameters<JSONRPCClient['receive']>[0]);
      return;
    }
    if (typeof message.method === 'string') {
      this.notify(message.method, message.params);
      return;
    }
    this.rpc.receive(message as Parameters<JSONRPCClient['receive']>[0]);
  }

  private notify(method: string, params: unknown): void {
    if (method === 'session.event') {
      const note = params as RpcNotifications['session.event'];
      const seen = this.sessionSeqs.get(note.sessionId);
      if (seen !== undefined) {
        if (note.seq <= seen) return; // already delivered before a reconnect
        this.sessionSeqs.set(note.sessionId, note.seq);
      }
    } else if (method === 'approval.event') {
      const note = params as RpcNotifications['approval.event'];
      if (this.approvalSeq !== undefined) {
        if (note.seq <= this.approvalSeq) return;
        this.approvalSeq = note.seq;
      }
    }
    for (const listener of this.listeners.get(method) ?? []) {
      try {
        (listener as Listener<unknown>)(params);
      } catch {
        // One listener failing must not stop the others.
      }
    }
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.rpc.rejectAllPendingRequests('the connection to the daemon was lost');
    if (this.closed) return;
    if (this.options.reconnect === false) {
      this.closed = true;
      this.emitState('closed');
      return;
    }
    this.emitState('reconnecting');
    this.reconnecting = this.reconnectLoop().finally(() => {
      this.reconnecting = undefined;
    });
    this.reconnecting.catch(() => undefined);
  }

  private async reconnectLoop(): Promise<void> {
    const retry = this.options.reconnect === false ? undefined : this.options.reconnect;
    const attempts = retry?.attempts ?? 40;
    const delay = retry?.delayMs ?? 250;
    let last: unknown;
    for (let i = 0; i < attempts && !this.closed; i++) {
      await new Promise((r) => setTimeout(r, delay));
      try {
        await this.establish(false);
        return;
      } catch (err) {
        last = err;
        if (err instanceof AstridError && err.code === 'SIGNATURE_INVALID') break;
      }
    }
    this.closed = true;
    this.emitState('closed');
    throw last ?? connectionLost('could not reconnect');
  }

  private emitState(state: ClientState): void {
    for (const l of this.stateListeners) l(state);
  }
}
