import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicWire } from './anthropic-wire.js';
import { type AuthScheme, keyMatches, presentedAuth, recordableHeaders } from './auth.js';
import { openAiWire } from './openai-wire.js';
import { isRejected, type ProtocolName, type WireError, type WireProtocol } from './protocol.js';
import { type HttpFault, resolveTurn, type ScriptedTurn } from './script.js';
import { type ResponseOutcome, whenClosed, writeSse } from './sse.js';

/** One request as the server received it, credentials removed. */
export interface RecordedRequest {
  readonly index: number;
  readonly protocol: ProtocolName | undefined;
  readonly method: string;
  readonly path: string;
  /** Lower-cased header names; `authorization`, `x-api-key` and `cookie` are left out. */
  readonly headers: Readonly<Record<string, string>>;
  /** Which header carried the key. */
  readonly auth: AuthScheme;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
  /** The HTTP status answered (0 while not yet answered). */
  readonly status: number;
  readonly outcome: ResponseOutcome | 'pending';
}

/** Options for {@link start}. */
export interface TestServerOptions {
  /** The key clients must present; `null` accepts any request. Default `testkit-key`. */
  readonly apiKey?: string | null;
  /** Delay before each SSE event unless a turn sets its own. Default 0. */
  readonly latencyMs?: number;
  readonly turns?: readonly ScriptedTurn[];
}

/** A running scripted LLM server on 127.0.0.1. */
export interface LlmTestServer {
  /** `http://127.0.0.1:<port>`: the Anthropic SDK's `baseURL`; add `/v1` for the OpenAI SDK. */
  readonly url: string;
  readonly apiKey: string | null;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Scripted turns not yet served. */
  readonly pending: number;
  enqueue(...turns: ScriptedTurn[]): void;
  /**
   * Resolves with how the response to request `index` (0-based, arrival order) ended, the
   * client closing included; waits for that request to arrive first.
   */
  finished(index: number): Promise<ResponseOutcome>;
  close(): Promise<void>;
}

interface QueuedTurn {
  readonly turn: ScriptedTurn;
  readonly faults: HttpFault[];
}

interface MutableRecord {
  index: number;
  protocol: ProtocolName | undefined;
  method: string;
  path: string;
  headers: Record<string, string>;
  auth: AuthScheme;
  body: unknown;
  status: number;
  outcome: ResponseOutcome | 'pending';
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function protocolFor(path: string): WireProtocol | undefined {
  if (path.endsWith('/chat/completions')) return openAiWire;
  if (path.endsWith('/v1/messages')) return anthropicWire;
  return undefined;
}

/** Starts a scripted Anthropic Messages + OpenAI chat-completions server on 127.0.0.1, port 0. */
export async function start(options: TestServerOptions = {}): Promise<LlmTestServer> {
  const apiKey = options.apiKey === undefined ? 'testkit-key' : options.apiKey;
  const defaultLatency = options.latencyMs ?? 0;
  const queue: QueuedTurn[] = [];
  const records: MutableRecord[] = [];
  // One deferred outcome per request index, created by whichever comes first: the
  // request or a test waiting for it.
  const outcomes = new Map<
    number,
    { promise: Promise<ResponseOutcome>; resolve: (o: ResponseOutcome) => void }
  >();
  const outcomeOf = (index: number) => {
    let entry = outcomes.get(index);
    if (entry === undefined) {
      let resolve: (o: ResponseOutcome) => void = () => {};
      const promise = new Promise<ResponseOutcome>((r) => {
        resolve = r;
      });
      entry = { promise, resolve };
      outcomes.set(index, entry);
    }
    return entry;
  };

  const enqueue = (...turns: ScriptedTurn[]): void => {
    for (const turn of turns) queue.push({ turn, faults: [...(turn.httpFaults ?? [])] });
  };
  enqueue(...(options.turns ?? []));

  const fail = (
    record: MutableRecord,
    res: ServerResponse,
    error: WireError,
    headers?: Record<string, string>,
  ) => {
    record.status = error.status;
    sendJson(res, error.status, error.body, headers);
  };

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    record: MutableRecord,
  ): Promise<ResponseOutcome> {
    const protocol = protocolFor(record.path);
    const text = await readBody(req);
    if (text === undefined) {
      fail(record, res, (protocol ?? anthropicWire).httpError(413, 'request too large'));
      return 'rejected';
    }
    try {
      record.body = text === '' ? undefined : JSON.parse(text);
    } catch {
      record.body = text;
    }
    if (req.method !== 'POST' || protocol === undefined) {
      fail(record, res, (protocol ?? anthropicWire).notFound(record.path));
      return 'rejected';
    }
    const auth = presentedAuth(req.headers);
    if (apiKey !== null && !keyMatches(auth.key, apiKey)) {
      fail(record, res, protocol.unauthorized(auth.key !== undefined));
      return 'rejected';
    }
    if (typeof record.body !== 'object' || record.body === null) {
      fail(record, res, protocol.httpError(400, 'request body is not a JSON object'));
      return 'rejected';
    }
    const checked = protocol.check(record.body);
    if (isRejected(checked)) {
      fail(record, res, protocol.httpError(400, checked.message));
      return 'rejected';
    }
    const queued = queue[0];
    if (queued === undefined) {
      fail(record, res, protocol.httpError(400, 'testkit: no scripted turn left'));
      return 'rejected';
    }
    const fault = queued.faults.shift();
    if (fault !== undefined) {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      fail(record, res, protocol.httpError(fault.status, fault.message), headers);
      return 'http_error';
    }
    queue.shift();
    const turn = resolveTurn(queued.turn, protocol.newToolCallId);
    const streamFault = queued.turn.streamFault;
    record.status = 200;
    if (checked.stream) {
      const latency = queued.turn.latencyMs ?? defaultLatency;
      return writeSse(res, protocol.frames(turn, checked), latency, streamFault, protocol.faultFrames);
    }
    switch (streamFault?.kind) {
      case 'disconnect':
        res.socket?.destroy();
        return 'disconnected';
      case 'stall':
        await whenClosed(res);
        return 'client_closed';
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "broken", "content": [');
        return 'completed';
      case 'error_event': {
        const status =
          streamFault.errorType === 'overloaded_error' || streamFault.errorType === undefined ? 529 : 500;
        fail(record, res, protocol.httpError(status, streamFault.message));
        return 'error_event';
      }
      case undefined:
        sendJson(res, 200, protocol.json(turn, checked));
        return 'completed';
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = presentedAuth(req.headers);
    const record: MutableRecord = {
      index: records.length,
      protocol: protocolFor(url.pathname)?.name,
      method: req.method ?? '',
      path: url.pathname,
      headers: recordableHeaders(req.headers),
      auth: auth.scheme,
      body: undefined,
      status: 0,
      outcome: 'pending',
    };
    records.push(record);
    const outcome = serve(req, res, record).then(
      (result) => result,
      (err: unknown) => {
        // A bug in the server itself: make it loud in the test output, and never hang the client.
        console.error('testkit server error', err);
        if (!res.headersSent) sendJson(res, 500, { error: { message: 'testkit internal error' } });
        else res.destroy();
        return 'rejected' as const;
      },
    );
    void outcome.then((result) => {
      record.outcome = result;
      outcomeOf(record.index).resolve(result);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    get requests() {
      return records;
    },
    get pending() {
      return queue.length;
    },
    enqueue,
    finished(index: number): Promise<ResponseOutcome> {
      if (!Number.isSafeInteger(index) || index < 0)
        throw new RangeError(`"index" expected a request number, got ${index}`);
      return outcomeOf(index).promise;
    },
    close(): Promise<void> {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
