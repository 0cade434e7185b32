import { type LlmTestServer, start } from '@astrid/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LlmEvent } from '../src/index.js';
import { collect, HELLO, ofType, PROTOCOLS } from './helpers.js';

let server: LlmTestServer;
beforeEach(async () => {
  server = await start();
});
afterEach(async () => {
  await server.close();
});

describe.each(PROTOCOLS)('cancellation through the real $name SDK', (protocol) => {
  it('aborting mid-stream closes the HTTP connection and ends with done(cancelled)', async () => {
    server.enqueue({ text: 'x'.repeat(200), chunks: 100, latencyMs: 10 });
    const controller = new AbortController();
    const events: LlmEvent[] = [];
    for await (const event of protocol.make(server).stream(HELLO, { signal: controller.signal })) {
      events.push(event);
      if (ofType(events, 'text_delta').length === 2) controller.abort();
    }
    expect(ofType(events, 'text_delta').length).toBeGreaterThanOrEqual(2);
    expect(ofType(events, 'text_delta').length).toBeLessThan(100);
    expect(events[events.length - 1]).toEqual({ type: 'done', stopReason: 'cancelled' });
    expect(ofType(events, 'error')).toEqual([]);
    expect(await server.finished(0)).toBe('client_closed');
  });

  it('an abort mid tool call yields no tool_call_end, only done(cancelled)', async () => {
    server.enqueue({
      toolCalls: [
        { id: 'call_1', name: 'write_file', arguments: { path: '/w/a', content: 'y'.repeat(300) } },
      ],
      chunks: 50,
      latencyMs: 10,
    });
    const controller = new AbortController();
    const events: LlmEvent[] = [];
    for await (const event of protocol.make(server).stream(HELLO, { signal: controller.signal })) {
      events.push(event);
      if (event.type === 'tool_call_delta') controller.abort();
    }
    expect(ofType(events, 'tool_call_start')).toHaveLength(1);
    expect(ofType(events, 'tool_call_end')).toEqual([]);
    expect(events[events.length - 1]).toEqual({ type: 'done', stopReason: 'cancelled' });
    expect(await server.finished(0)).toBe('client_closed');
  });

  it('stream() sends nothing until it is iterated (the runtime builds it before authorizing)', async () => {
    server.enqueue({ text: 'late' });
    const stream = protocol.make(server).stream(HELLO);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.requests).toHaveLength(0);
    const events = await collect(stream);
    expect(server.requests).toHaveLength(1);
    expect(
      ofType(events, 'text_delta')
        .map((e) => e.text)
        .join(''),
    ).toBe('late');
  });

  it('an already aborted signal sends no request', async () => {
    server.enqueue({ text: 'unused' });
    const events = await collect(protocol.make(server).stream(HELLO, { signal: AbortSignal.abort() }));
    expect(events).toEqual([{ type: 'done', stopReason: 'cancelled' }]);
    expect(server.requests).toHaveLength(0);
  });

  it('an abort while waiting out a retry-after ends at once with done(cancelled)', async () => {
    server.enqueue({ text: 'too late', httpFaults: [{ status: 429, retryAfterSeconds: 50 }] });
    const controller = new AbortController();
    const stream = protocol.make(server).stream(HELLO, { signal: controller.signal });
    const pending = collect(stream);
    await server.finished(0);
    // The 429 is answered; the provider now sleeps 50 s unless the abort cuts it short
    // (the test timeout is the hang guard).
    setTimeout(() => controller.abort(), 20);
    expect(await pending).toEqual([{ type: 'done', stopReason: 'cancelled' }]);
    expect(server.requests).toHaveLength(1);
  });

  it('a consumer that stops iterating closes the connection', async () => {
    server.enqueue({ text: 'z'.repeat(100), chunks: 50, latencyMs: 10 });
    for await (const event of protocol.make(server).stream(HELLO)) {
      if (event.type === 'text_delta') break;
    }
    expect(await server.finished(0)).toBe('client_closed');
  });
});
