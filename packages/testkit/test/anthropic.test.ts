import Anthropic, { APIError, AuthenticationError, RateLimitError } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LlmTestServer, start } from '../src/index.js';

let server: LlmTestServer;
let client: Anthropic;

beforeEach(async () => {
  server = await start();
  client = new Anthropic({ apiKey: 'testkit-key', baseURL: server.url, maxRetries: 0, logLevel: 'off' });
});
afterEach(async () => {
  await server.close();
});

const user = [{ role: 'user' as const, content: 'hi' }];

describe('Anthropic Messages SSE through @anthropic-ai/sdk', () => {
  it('create({ stream: true }) yields the documented event sequence with tool input split over deltas', async () => {
    server.enqueue({
      text: 'Reading it.',
      toolCalls: [{ id: 'toolu_1', name: 'read_file', arguments: { path: '/w/a.txt', limit: 20 } }],
      usage: { inputTokens: 30, outputTokens: 12, cacheReadTokens: 4, cacheWriteTokens: 2 },
    });
    const stream = await client.messages.create({
      model: 'claude-x',
      max_tokens: 64,
      messages: user,
      stream: true,
    });
    const events = [];
    for await (const event of stream) events.push(event);

    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start0 = events[0];
    expect(start0?.type === 'message_start' && start0.message.model).toBe('claude-x');
    const jsonParts = events.flatMap((e) =>
      e.type === 'content_block_delta' && e.delta.type === 'input_json_delta' ? [e.delta.partial_json] : [],
    );
    expect(jsonParts.filter((p) => p !== '').length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(jsonParts.join(''))).toEqual({ path: '/w/a.txt', limit: 20 });
    const delta = events.find((e) => e.type === 'message_delta');
    expect(delta?.type === 'message_delta' && delta.delta.stop_reason).toBe('tool_use');
    expect(delta?.type === 'message_delta' && delta.usage).toMatchObject({
      input_tokens: 30,
      output_tokens: 12,
      cache_read_input_tokens: 4,
      cache_creation_input_tokens: 2,
    });
  });

  it('messages.stream() assembles text and tool_use input from the deltas', async () => {
    server.enqueue({
      text: ['Let me ', 'look.'],
      toolCalls: [
        { id: 'toolu_a', name: 'glob', arguments: { pattern: '**/*.ts' } },
        {
          id: 'toolu_b',
          name: 'grep',
          arguments: { pattern: 'TODO', context: 2, nested: { deep: [1, 'two'] } },
        },
      ],
    });
    const message = await client.messages
      .stream({ model: 'claude-x', max_tokens: 64, messages: user })
      .finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'toolu_a', name: 'glob', input: { pattern: '**/*.ts' } },
      {
        type: 'tool_use',
        id: 'toolu_b',
        name: 'grep',
        input: { pattern: 'TODO', context: 2, nested: { deep: [1, 'two'] } },
      },
    ]);
  });

  it('answers a non-streaming request with a JSON message', async () => {
    server.enqueue({ text: 'Done.', stopReason: 'max_tokens', usage: { inputTokens: 7, outputTokens: 3 } });
    const message = await client.messages.create({ model: 'claude-x', max_tokens: 64, messages: user });
    expect(message.content).toEqual([{ type: 'text', text: 'Done.' }]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toMatchObject({ input_tokens: 7, output_tokens: 3 });
  });

  it('the SDK sees a 429 as RateLimitError with retry-after, and the turn is served next', async () => {
    server.enqueue({ text: 'ok', httpFaults: [{ status: 429, retryAfterSeconds: 7 }] });
    const err = await client.messages
      .create({ model: 'm', max_tokens: 8, messages: user })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).headers.get('retry-after')).toBe('7');
    expect((err as RateLimitError).type).toBe('rate_limit_error');
    const message = await client.messages.create({ model: 'm', max_tokens: 8, messages: user });
    expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('a 529 carries overloaded_error', async () => {
    server.enqueue({ text: 'ok', httpFaults: [{ status: 529 }] });
    const err = await client.messages
      .create({ model: 'm', max_tokens: 8, messages: user })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(529);
    expect((err as APIError).type).toBe('overloaded_error');
  });

  it('an in-stream error event becomes an APIError of that type', async () => {
    server.enqueue({ text: 'partial answer', streamFault: { kind: 'error_event', afterEvents: 3 } });
    const stream = await client.messages.create({ model: 'm', max_tokens: 8, messages: user, stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['message_start', 'content_block_start']);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).type).toBe('overloaded_error');
    expect(await server.finished(0)).toBe('error_event');
  });

  it('a malformed event makes the SDK throw a JSON SyntaxError', async () => {
    server.enqueue({ text: 'hello there', streamFault: { kind: 'malformed', afterEvents: 3 } });
    const stream = await client.messages.create({ model: 'm', max_tokens: 8, messages: user, stream: true });
    const err = await (async () => {
      for await (const _ of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyntaxError);
  });

  it('a disconnect mid-stream surfaces as a terminated connection', async () => {
    server.enqueue({
      toolCalls: [{ name: 'bash', arguments: { command: 'ls -la' } }],
      streamFault: { kind: 'disconnect', afterEvents: 4 },
    });
    const stream = await client.messages.create({ model: 'm', max_tokens: 8, messages: user, stream: true });
    const err = await (async () => {
      for await (const _ of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('terminated');
    expect(await server.finished(0)).toBe('disconnected');
  });

  it('rejects a missing or wrong key with the real 401 body', async () => {
    server.enqueue({ text: 'never served' });
    const wrong = new Anthropic({ apiKey: 'nope', baseURL: server.url, maxRetries: 0, logLevel: 'off' });
    const err = await wrong.messages
      .create({ model: 'm', max_tokens: 8, messages: user })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
    });
    const missing = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', max_tokens: 8, messages: user }),
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: 'x-api-key header is required' },
    });
    expect(server.pending).toBe(1);
  });

  it('accepts the key in x-api-key (raw HTTP) as well as Bearer (the SDK) and never records it', async () => {
    server.enqueue({ text: 'one' }, { text: 'two' });
    const raw = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'testkit-key',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ model: 'm', max_tokens: 8, messages: user }),
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { content: unknown }).content).toEqual([{ type: 'text', text: 'one' }]);
    await client.messages.create({ model: 'm', max_tokens: 8, messages: user });
    expect(server.requests.map((r) => r.auth)).toEqual(['x-api-key', 'bearer']);
    for (const r of server.requests) {
      expect(Object.keys(r.headers)).not.toContain('authorization');
      expect(Object.keys(r.headers)).not.toContain('x-api-key');
      expect(JSON.stringify(r.headers)).not.toContain('testkit-key');
    }
    expect(server.requests[1]?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('refuses tool_result blocks that do not answer the previous tool_use, as the real API does', async () => {
    server.enqueue({ text: 'unused' });
    const err = await client.messages
      .create({
        model: 'm',
        max_tokens: 8,
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'x', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'r' }] },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).type).toBe('invalid_request_error');
    expect((err as APIError).message).toContain('toolu_1');
    expect(server.pending).toBe(1);
  });

  it('records the parsed body the SDK sent, tools and tool results included', async () => {
    server.enqueue({ text: 'ok' });
    const tools = [
      {
        name: 'read_file',
        description: 'Read a file',
        input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } },
      },
    ];
    await client.messages.create({
      model: 'm',
      max_tokens: 8,
      system: 'be brief',
      tools,
      messages: [
        { role: 'user', content: 'read a' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a' } }],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'AAA', is_error: false }],
        },
      ],
    });
    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(body.tools).toEqual(tools);
    expect(body.system).toBe('be brief');
    expect((body.messages as unknown[])[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'AAA', is_error: false }],
    });
  });
});
