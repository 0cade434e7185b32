import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type LlmTestServer, resolveTurn, splitText, start } from '../src/index.js';

let server: LlmTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const body = JSON.stringify({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'testkit-key', ...headers },
    body,
  });

describe('scripted test server', () => {
  it('listens on 127.0.0.1 with an ephemeral port', async () => {
    server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });

  it('serves turns in order and refuses (without retry bait) when the script is exhausted', async () => {
    server = await start({ turns: [{ text: 'first' }] });
    server.enqueue({ text: 'second' });
    expect(server.pending).toBe(2);
    const texts = [];
    for (let i = 0; i < 2; i++)
      texts.push(
        ((await (await post(server.url)).json()) as { content: { text: string }[] }).content[0]?.text,
      );
    expect(texts).toEqual(['first', 'second']);
    const none = await post(server.url);
    expect(none.status).toBe(400);
    expect(JSON.stringify(await none.json())).toContain('no scripted turn left');
  });

  it('sends the retry-after header in seconds with an HTTP fault and keeps the turn queued', async () => {
    server = await start({
      turns: [{ text: 'after', httpFaults: [{ status: 429, retryAfterSeconds: 1 }, { status: 529 }] }],
    });
    const first = await post(server.url);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(await first.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const second = await post(server.url);
    expect(second.status).toBe(529);
    expect(second.headers.get('retry-after')).toBeNull();
    expect(await second.json()).toMatchObject({ error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect((await post(server.url)).status).toBe(200);
    expect(server.requests.map((r) => r.outcome)).toEqual(['http_error', 'http_error', 'completed']);
  });

  it('with apiKey null accepts requests without any credential (keyless local servers)', async () => {
    server = await start({ apiKey: null, turns: [{ text: 'open' }] });
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(server.requests[0]?.auth).toBe('none');
  });

  it('answers unknown paths with 404 and records them', async () => {
    server = await start();
    const res = await fetch(`${server.url}/v1/models`, { headers: { 'x-api-key': 'testkit-key' } });
    expect(res.status).toBe(404);
    expect(server.requests[0]).toMatchObject({
      path: '/v1/models',
      method: 'GET',
      status: 404,
      protocol: undefined,
    });
  });

  it('a stalled stream stays open until the client aborts, and the server sees the close', async () => {
    server = await start({ turns: [{ text: 'abcdef', streamFault: { kind: 'stall', afterEvents: 3 } }] });
    const client = new Anthropic({
      apiKey: 'testkit-key',
      baseURL: server.url,
      maxRetries: 0,
      logLevel: 'off',
    });
    const controller = new AbortController();
    const stream = await client.messages.create(
      { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.type);
      if (seen.length === 2) setTimeout(() => controller.abort(), 20);
    }
    expect(seen).toEqual(['message_start', 'content_block_start']);
    expect(await server.finished(0)).toBe('client_closed');
  });

  it('per-event latency delays the stream without changing it, and an abort mid-way stops the writes', async () => {
    server = await start({
      latencyMs: 5,
      turns: [{ text: 'slow but complete' }, { text: 'x'.repeat(400), chunks: 200 }],
    });
    const client = new Anthropic({
      apiKey: 'testkit-key',
      baseURL: server.url,
      maxRetries: 0,
      logLevel: 'off',
    });
    const message = await client.messages
      .stream({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'slow but complete' }]);
    const controller = new AbortController();
    const stream = await client.messages.create(
      { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    let count = 0;
    for await (const _ of stream) {
      count++;
      if (count === 5) controller.abort();
    }
    expect(count).toBe(5);
    expect(await server.finished(1)).toBe('client_closed');
  });

  it('splits text into the requested number of non-empty pieces', () => {
    expect(splitText('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(splitText('ab', 5)).toEqual(['a', 'b']);
    expect(splitText('', 3)).toEqual(['']);
    const turn = resolveTurn({ toolCalls: [{ name: 't', arguments: '{"broken' }] }, () => 'id1');
    expect(turn.toolCalls[0]).toMatchObject({ id: 'id1', argumentsText: '{"broken' });
    expect(turn.stopReason).toBe('tool_use');
  });
});
