import { type LlmTestServer, start } from '@astrid/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, HELLO, ofType, PROTOCOLS, recordingSleep } from './helpers.js';

let server: LlmTestServer;
beforeEach(async () => {
  server = await start();
});
afterEach(async () => {
  await server.close();
});

const last = <T>(xs: readonly T[]): T | undefined => xs[xs.length - 1];

describe.each(PROTOCOLS)('retries and stream faults through the real $name SDK', (protocol) => {
  it('429 with retry-after: 1 waits 1000 ms (as asked) and then succeeds', async () => {
    server.enqueue({ text: 'after the wait', httpFaults: [{ status: 429, retryAfterSeconds: 1 }] });
    const { delays, sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep, random: () => 0 }).stream(HELLO));
    expect(delays).toEqual([1000]);
    expect(
      ofType(events, 'text_delta')
        .map((e) => e.text)
        .join(''),
    ).toBe('after the wait');
    expect(last(events)).toMatchObject({ type: 'done', stopReason: 'end_turn' });
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('429 with retry-after: 0 retries at once', async () => {
    server.enqueue({ text: 'ok', httpFaults: [{ status: 429, retryAfterSeconds: 0 }] });
    const { delays, sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep }).stream(HELLO));
    expect(delays).toEqual([0]);
    expect(last(events)).toMatchObject({ type: 'done' });
  });

  it('a real (unmocked) retry-after: 0 round trip succeeds', async () => {
    server.enqueue({ text: 'real sleep', httpFaults: [{ status: 429, retryAfterSeconds: 0 }] });
    const events = await collect(protocol.make(server).stream(HELLO));
    expect(
      ofType(events, 'text_delta')
        .map((e) => e.text)
        .join(''),
    ).toBe('real sleep');
    expect(server.requests).toHaveLength(2);
  });

  it('500 then 529/503 back off exponentially and then succeed', async () => {
    const overloaded = protocol.name === 'anthropic' ? 529 : 503;
    server.enqueue({ text: 'third time', httpFaults: [{ status: 500 }, { status: overloaded }] });
    const { delays, sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep, random: () => 0 }).stream(HELLO));
    expect(delays).toEqual([500, 1000]);
    expect(last(events)).toMatchObject({ type: 'done', stopReason: 'end_turn' });
    expect(server.requests.map((r) => r.status)).toEqual([500, overloaded, 200]);
  });

  it('retries exhausted: one error event, retryable, naming the attempts', async () => {
    server.enqueue({ text: 'never', httpFaults: Array.from({ length: 4 }, () => ({ status: 500 })) });
    const { delays, sleep } = recordingSleep();
    const events = await collect(
      protocol.make(server, { sleep, random: () => 0, retry: { maxRetries: 3 } }).stream(HELLO),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', code: 'server', retryable: true, status: 500 });
    expect(ofType(events, 'error')[0]?.message).toMatch(/HTTP 500.*\(after 4 attempts\)$/);
    expect(delays).toEqual([500, 1000, 2000]);
    expect(server.requests).toHaveLength(4);
  });

  it('a retry-after longer than the retry budget is not waited for but reported', async () => {
    server.enqueue({ text: 'later', httpFaults: [{ status: 429, retryAfterSeconds: 120 }] });
    const { delays, sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep }).stream(HELLO));
    expect(delays).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'error',
        code: 'rate_limited',
        retryable: true,
        status: 429,
        retryAfterMs: 120_000,
      }),
    ]);
  });

  it('a malformed event after text is a malformed_stream error, not retried', async () => {
    // After the first text delta (Anthropic: message_start, block start and ping come first).
    const afterText = protocol.name === 'anthropic' ? 4 : 2;
    server.enqueue({ text: 'abcdefghi', streamFault: { kind: 'malformed', afterEvents: afterText } });
    const { delays, sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep }).stream(HELLO));
    expect(ofType(events, 'text_delta').length).toBeGreaterThan(0);
    expect(last(events)).toMatchObject({ type: 'error', code: 'malformed_stream', retryable: false });
    expect(ofType(events, 'done')).toEqual([]);
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('a disconnect mid tool call is a connection error: no tool_call_end, no retry', async () => {
    const callEvents = protocol.name === 'anthropic' ? 5 : 3; // into the argument deltas
    server.enqueue({
      toolCalls: [{ id: 'call_rm', name: 'bash', arguments: { command: 'rm -rf build' } }],
      streamFault: { kind: 'disconnect', afterEvents: callEvents },
    });
    const { delays, sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep }).stream(HELLO));
    expect(ofType(events, 'tool_call_start')).toEqual([
      { type: 'tool_call_start', id: 'call_rm', name: 'bash' },
    ]);
    expect(ofType(events, 'tool_call_delta').length).toBeGreaterThan(0);
    expect(ofType(events, 'tool_call_end')).toEqual([]);
    expect(last(events)).toMatchObject({ type: 'error', code: 'connection' });
    expect(ofType(events, 'error')[0]?.message).toContain('terminated');
    expect(delays).toEqual([]);
    expect(await server.finished(0)).toBe('disconnected');
    expect(server.requests).toHaveLength(1);
  });

  it('a disconnect before anything was yielded is retried transparently', async () => {
    server.enqueue(
      { text: 'dropped', streamFault: { kind: 'disconnect', afterEvents: 1 } },
      { text: 'second try' },
    );
    const { delays, sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep, random: () => 0 }).stream(HELLO));
    expect(
      ofType(events, 'text_delta')
        .map((e) => e.text)
        .join(''),
    ).toBe('second try');
    expect(delays).toEqual([500]);
  });

  it('an in-stream error after text ends the stream with that error', async () => {
    const afterText = protocol.name === 'anthropic' ? 4 : 2;
    server.enqueue({
      text: 'partial',
      streamFault: { kind: 'error_event', afterEvents: afterText, errorType: 'overloaded_error' },
    });
    const { sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep }).stream(HELLO));
    expect(ofType(events, 'text_delta').length).toBeGreaterThan(0);
    expect(last(events)).toMatchObject({ type: 'error', code: 'overloaded', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('an in-stream overloaded error before any content is retried', async () => {
    server.enqueue(
      { text: 'lost', streamFault: { kind: 'error_event', afterEvents: 1, errorType: 'overloaded_error' } },
      { text: 'recovered' },
    );
    const { delays, sleep } = recordingSleep();
    const events = await collect(protocol.make(server, { sleep, random: () => 0 }).stream(HELLO));
    expect(
      ofType(events, 'text_delta')
        .map((e) => e.text)
        .join(''),
    ).toBe('recovered');
    expect(delays).toEqual([500]);
    expect(server.requests).toHaveLength(2);
  });

  it('a stalled stream ends with a timeout error once idleTimeoutMs passes, and the connection is closed', async () => {
    server.enqueue({ text: 'abcdef', streamFault: { kind: 'stall', afterEvents: 3 } });
    const events = await collect(
      protocol.make(server, { idleTimeoutMs: 200, retry: { maxRetries: 0 } }).stream(HELLO),
    );
    expect(last(events)).toMatchObject({ type: 'error', code: 'timeout', retryable: true });
    expect(await server.finished(0)).toBe('client_closed');
  });

  it('a consumer slower than idleTimeoutMs is not mistaken for a silent server', async () => {
    server.enqueue({ text: 'slow reader', chunks: 3 });
    const events = [];
    for await (const event of protocol.make(server, { idleTimeoutMs: 250 }).stream(HELLO)) {
      events.push(event);
      if (event.type === 'text_delta' && events.length === 1) await new Promise((r) => setTimeout(r, 600));
    }
    expect(
      ofType(events, 'text_delta')
        .map((e) => e.text)
        .join(''),
    ).toBe('slow reader');
    expect(last(events)).toMatchObject({ type: 'done', stopReason: 'end_turn' });
  });

  it('a wrong key is an auth error naming where the key comes from, never the key', async () => {
    server.enqueue({ text: 'unused' });
    const { sleep } = recordingSleep();
    const events = await collect(
      protocol.make(server, { sleep }, { api_key: 'sk-wrong-secret' }).stream(HELLO),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', code: 'auth', retryable: false, status: 401 });
    const message = ofType(events, 'error')[0]?.message ?? '';
    expect(message).toContain(protocol.name === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY');
    expect(message).not.toContain('sk-wrong-secret');
    expect(server.requests).toHaveLength(1);
  });

  it('a request the API refuses (400) is a bad_request error, not retried', async () => {
    server.enqueue({ text: 'unused' });
    const { sleep, delays } = recordingSleep();
    // A tool result that answers no tool call: the server refuses it as the real API does.
    const events = await collect(
      protocol.make(server, { sleep }).stream({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool_results', results: [{ toolCallId: 'call_ghost', content: 'x' }] },
        ],
      }),
    );
    expect(events).toEqual([
      expect.objectContaining({ type: 'error', code: 'bad_request', retryable: false, status: 400 }),
    ]);
    expect(delays).toEqual([]);
  });

  it('a refused connection is a retryable connection error', async () => {
    const url = server.url;
    await server.close();
    const { delays, sleep } = recordingSleep();
    const events = await collect(
      protocol.make({ ...server, url }, { sleep, random: () => 0, retry: { maxRetries: 1 } }).stream(HELLO),
    );
    expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'connection', retryable: true })]);
    expect(ofType(events, 'error')[0]?.message).toContain('ECONNREFUSED');
    expect(delays).toEqual([500]);
    server = await start();
  });
});
