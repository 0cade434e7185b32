import type { RpcNotifications } from '@astrid/core';
import { WIRE_ERROR_CODES } from '@astrid/core';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import type { WebSocket } from 'ws';

/** Hands one parsed request object to the JSON-RPC server; null for a notification. */
export type Dispatch = (request: unknown, conn: Connection) => PromiseLike<JSONRPCResponse | null>;

/** How a connection came in. */
export interface Peer {
  readonly transport: 'unix' | 'tcp';
  readonly remote?: string;
}

interface Subscription<N> {
  replaying: boolean;
  buffer: N[];
  lastSent: number;
}

type SessionNote = RpcNotifications['session.event'];
type ApprovalNote = RpcNotifications['approval.event'];

/** Close code and reason for a client that does not read what it asked for. */
export const SLOW_READER_CLOSE = { code: 1013, reason: 'slow reader: too much unread output buffered' };

/**
 * One authenticated WebSocket client. Frames are parsed here (so a frame that is not
 * JSON, or a batch of garbage, gets a precise error without reaching the RPC server), and
 * everything sent goes through {@link send}, which closes a connection whose unread output
 * passes `maxBuffered`: a client that stops reading cannot make the daemon hold unbounded
 * memory, and the others are not slowed down.
 */
export class Connection {
  /** The name the frontend gave in `daemon.hello` (`unknown` before). */
  clientName = 'unknown';
  private readonly sessions = new Map<string, Subscription<SessionNote>>();
  private approvals: Subscription<ApprovalNote> | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    readonly peer: Peer,
    private readonly ws: WebSocket,
    private readonly dispatch: Dispatch,
    private readonly maxBuffered: number,
    private readonly onError: (err: unknown) => void,
  ) {
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer | Buffer[], isBinary));
    ws.on('close', () => {
      this.closed = true;
    });
  }

  /** Who answered, as recorded in `decidedBy.connection` and audit entries. */
  get identity(): string {
    return this.peer.remote === undefined
      ? `${this.peer.transport}:${this.id}`
      : `${this.peer.transport}:${this.peer.remote}:${this.id}`;
  }

  /** Whether the socket is still open. */
  get open(): boolean {
    return !this.closed;
  }

  /** Sends one JSON message; closes the connection if its unread output grows too large. */
  send(message: unknown): void {
    if (this.closed) return;
    this.ws.send(JSON.stringify(message));
    if (this.ws.bufferedAmount > this.maxBuffered) this.closeSlow();
  }

  /** Sends a JSON-RPC notification. */
  notify<M extends keyof RpcNotifications>(method: M, params: RpcNotifications[M]): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** Closes with a code and reason; ends the socket if the close handshake does not finish. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  /** Starts (or restarts) delivery of a session's events; live ones wait while `replay` runs. */
  async subscribeSession(
    stream: string,
    replay: () => Promise<readonly SessionNote[]>,
  ): Promise<{ replayed: number; lastSeq: number }> {
    const sub: Subscription<SessionNote> = { replaying: true, buffer: [], lastSent: 0 };
    this.sessions.set(stream, sub);
    return this.replayInto(sub, replay, 'session.event');
  }

  /** Stops delivering a session's events. */
  unsubscribeSession(stream: string): void {
    this.sessions.delete(stream);
  }

  /** Whether this connection wants `stream`'s events. */
  wantsSession(stream: string): boolean {
    return this.sessions.has(stream);
  }

  /** Delivers one session event, after the replay if one is running. */
  deliverSession(note: SessionNote): void {
    const sub = this.sessions.get(note.sessionId);
    if (sub !== undefined) this.deliver(sub, note, 'session.event');
  }

  /** Starts delivery of every approval event, replaying those after `since`. */
  async subscribeApprovals(
    replay: () => Promise<readonly ApprovalNote[]>,
  ): Promise<{ replayed: number; lastSeq: number }> {
    const sub: Subscription<ApprovalNote> = { replaying: true, buffer: [], lastSent: 0 };
    this.approvals = sub;
    return this.replayInto(sub, replay, 'approval.event');
  }

  /** Stops approval events. */
  unsubscribeApprovals(): void {
    this.approvals = undefined;
  }

  /** Delivers one approval event to a subscribed connection. */
  deliverApproval(note: ApprovalNote): void {
    if (this.approvals !== undefined) this.deliver(this.approvals, note, 'approval.event');
  }

  private async replayInto<N extends SessionNote | ApprovalNote>(
    sub: Subscription<N>,
    replay: () => Promise<readonly N[]>,
    method: 'session.event' | 'approval.event',
  ): Promise<{ replayed: number; lastSeq: number }> {
    let replayed = 0;
    try {
      for (const note of await replay()) {
        this.notifyAny(method, note);
        sub.lastSent = note.seq;
        replayed++;
      }
    } finally {
      // Events that arrived during the replay follow it, without repeating any it sent.
      for (const note of sub.buffer) {
        if (note.seq > sub.lastSent) {
          this.notifyAny(method, note);
          sub.lastSent = note.seq;
        }
      }
      sub.buffer = [];
      sub.replaying = false;
    }
    return { replayed, lastSeq: sub.lastSent };
  }

  private deliver<N extends SessionNote | ApprovalNote>(
    sub: Subscription<N>,
    note: N,
    method: 'session.event' | 'approval.event',
  ): void {
    if (sub.replaying) {
      sub.buffer.push(note);
      return;
    }
    if (note.seq <= sub.lastSent) return;
    sub.lastSent = note.seq;
    this.notifyAny(method, note);
  }

  private notifyAny(method: 'session.event' | 'approval.event', params: SessionNote | ApprovalNote): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  private closeSlow(): void {
    this.close(SLOW_READER_CLOSE.code, SLOW_READER_CLOSE.reason);
  }

  private onFrame(data: Buffer | Buffer[], isBinary: boolean): void {
    if (isBinary) {
      this.reply(null, WIRE_ERROR_CODES.PARSE_ERROR, 'Parse error: binary frames are not accepted');
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      this.reply(null, WIRE_ERROR_CODES.PARSE_ERROR, `Parse error: ${(err as Error).message}`);
      return;
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) {
        this.reply(null, WIRE_ERROR_CODES.INVALID_REQUEST, 'Invalid Request: empty batch');
        return;
      }
      Promise.all(parsed.map((item) => this.dispatch(item, this)))
        .then((responses) => {
          const replies = responses.filter((r) => r !== null);
          // A batch is answered with an array, even of one; a batch of notifications not at all.
          if (replies.length > 0) this.send(replies);
        })
        .catch((err: unknown) => this.onError(err));
      return;
    }
    Promise.resolve(this.dispatch(parsed, this))
      .then((response) => {
        if (response !== null) this.send(response);
      })
      .catch((err: unknown) => this.onError(err));
  }

  private reply(id: null, code: number, message: string): void {
    const name = code === WIRE_ERROR_CODES.PARSE_ERROR ? 'PARSE_ERROR' : 'INVALID_REQUEST';
    this.send({ jsonrpc: '2.0', id, error: { code, message, data: { code: name } } });
  }
}
