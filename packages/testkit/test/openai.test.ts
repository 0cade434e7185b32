import OpenAI, { APIError, AuthenticationError, RateLimitError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LlmTestServer, start } from '../src/index.js';

let server: LlmTestServer;
let client: OpenAI;

beforeEach(async () => {
  server = await start();
  client = new OpenAI({ apiKey: 'testkit-key', baseURL: `${server.url}/v1`, maxRetries: 0, logLevel: 'off' });
});
afterEach(async () => {
  await server.close();
});

const user = [{ role: 'user' as const, content: 'hi' }];

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('OpenAI chat-completions SSE through openai', () => {
  it('streams content, tool_calls by index with arguments split across chunks, finish_reason and usage', async () => {
    server.enqueue({
      text: 'Two calls.',
      toolCalls: [
        { id: 'call_1', name: 'read_file', arguments: { path: '/w/a' } },
        { id: 'call_2', name: 'bash', arguments: { command: 'ls -la /w' } },
      ],
      usage: { inputTokens: 20, outputTokens: 9, cacheReadTokens: 5 },
    });
    const chunks = await collect(
      await client.chat.completions.create({
        model: 'gpt-x',
        messages: user,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const deltas = chunks.flatMap((c) => c.choices.map((choice) => choice.delta));
    expect(deltas[0]?.role).toBe('assistant');
    expect(deltas.map((d) => d.content ?? '').join('')).toBe('Two calls.');
    const calls = new Map<number, { id?: string; name?: string; args: string[] }>();
    for (const d of deltas) {
      for (const tc of d.tool_calls ?? []) {
        const call = calls.get(tc.index) ?? { args: [] };
        if (tc.id !== undefined) call.id = tc.id;
        if (tc.function?.name !== undefined) call.name = tc.function.name;
        if (tc.function?.arguments) call.args.push(tc.function.arguments);
        calls.set(tc.index, call);
      }
    }
    expect(calls.get(0)).toMatchObject({ id: 'call_1', name: 'read_file' });
    expect(calls.get(1)).toMatchObject({ id: 'call_2', name: 'bash' });
    expect(calls.get(1)?.args.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(calls.get(1)?.args.join('') ?? '')).toEqual({ command: 'ls -la /w' });
    expect(chunks.flatMap((c) => c.choices.map((x) => x.finish_reason)).filter((r) => r !== null)).toEqual([
      'tool_calls',
    ]);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({
      prompt_tokens: 25,
      completion_tokens: 9,
      prompt_tokens_details: { cached_tokens: 5 },
    });
    expect(await server.finished(0)).toBe('completed');
  });

  it('sends no usage chunk unless stream_options.include_usage is set', async () => {
    server.enqueue({ text: 'hello' });
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-x', messages: user, stream: true }),
    );
    expect(chunks.every((c) => c.usage === undefined)).toBe(true);
    expect(chunks[chunks.length - 1]?.choices[0]?.finish_reason).toBe('stop');
  });

  it('the SDK stream helper assembles the tool calls', async () => {
    server.enqueue({
      toolCalls: [
        { id: 'call_9', name: 'edit_file', arguments: { path: 'a', old_string: 'x', new_string: 'y' } },
      ],
      chunks: 5,
    });
    const completion = await client.chat.completions
      .stream({ model: 'gpt-x', messages: user })
      .finalChatCompletion();
    const message = completion.choices[0]?.message;
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(message?.tool_calls).toEqual([
      {
        id: 'call_9',
        type: 'function',
        function: { name: 'edit_file', arguments: '{"path":"a","old_string":"x","new_string":"y"}' },
      },
    ]);
  });

  it('answers a non-streaming request with a chat.completion', async () => {
    server.enqueue({ text: 'Fine.', stopReason: 'max_tokens', usage: { inputTokens: 4, outputTokens: 2 } });
    const completion = await client.chat.completions.create({ model: 'gpt-x', messages: user });
    expect(completion.choices[0]?.message.content).toBe('Fine.');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
  });

  it('the SDK sees 429 with retry-after, 500 as server_error, then the turn', async () => {
    server.enqueue({ text: 'ok', httpFaults: [{ status: 429, retryAfterSeconds: 2 }, { status: 500 }] });
    const first = await client.chat.completions
      .create({ model: 'm', messages: user })
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RateLimitError);
    expect((first as RateLimitError).headers?.get('retry-after')).toBe('2');
    expect((first as RateLimitError).code).toBe('rate_limit_exceeded');
    const second = await client.chat.completions
      .create({ model: 'm', messages: user })
      .catch((e: unknown) => e);
    expect((second as APIError).status).toBe(500);
    expect((second as APIError).type).toBe('server_error');
    const ok = await client.chat.completions.create({ model: 'm', messages: user });
    expect(ok.choices[0]?.message.content).toBe('ok');
  });

  it('an in-stream error chunk becomes an APIError; a malformed chunk a SyntaxError; a disconnect "terminated"', async () => {
    server.enqueue(
      { text: 'abc', streamFault: { kind: 'error_event', afterEvents: 2, message: 'boom' } },
      { text: 'abc', streamFault: { kind: 'malformed', afterEvents: 2 } },
      { text: 'abc', streamFault: { kind: 'disconnect', afterEvents: 2 } },
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const stream = await client.chat.completions.create({ model: 'm', messages: user, stream: true });
      errors.push(await collect(stream).catch((e: unknown) => e));
    }
    expect(errors[0]).toBeInstanceOf(APIError);
    expect((errors[0] as APIError).message).toContain('boom');
    expect(errors[1]).toBeInstanceOf(SyntaxError);
    expect(errors[2]).toBeInstanceOf(TypeError);
    expect((errors[2] as Error).message).toBe('terminated');
  });

  it('rejects a missing or wrong key with the real 401 bodies', async () => {
    server.enqueue({ text: 'never served' });
    const wrong = new OpenAI({
      apiKey: 'sk-wrong',
      baseURL: `${server.url}/v1`,
      maxRetries: 0,
      logLevel: 'off',
    });
    const err = await wrong.chat.completions.create({ model: 'm', messages: user }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).code).toBe('invalid_api_key');
    expect((err as AuthenticationError).message).not.toContain('sk-wrong');
    const missing = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: user }),
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error', code: null } });
    expect(server.pending).toBe(1);
  });

  it('refuses a tool message that answers no tool call, and tool calls left unanswered', async () => {
    server.enqueue({ text: 'unused' });
    const orphan = await client.chat.completions
      .create({ model: 'm', messages: [...user, { role: 'tool', tool_call_id: 'call_x', content: 'r' }] })
      .catch((e: unknown) => e);
    expect((orphan as APIError).status).toBe(400);
    expect((orphan as APIError).message).toContain("role 'tool' must be a response");
    const unanswered = await client.chat.completions
      .create({
        model: 'm',
        messages: [
          ...user,
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'x', arguments: '{}' } }],
          },
          { role: 'user', content: 'next' },
        ],
      })
      .catch((e: unknown) => e);
    expect((unanswered as APIError).status).toBe(400);
    expect((unanswered as APIError).message).toContain('call_1');
    expect(server.pending).toBe(1);
  });

  it('serves any path ending in /chat/completions (Z.ai style base URLs) and records it', async () => {
    server.enqueue({ text: 'zai' });
    const zai = new OpenAI({
      apiKey: 'testkit-key',
      baseURL: `${server.url}/api/paas/v4/`,
      maxRetries: 0,
      logLevel: 'off',
    });
    const completion = await zai.chat.completions.create({ model: 'glm-4.6', messages: user });
    expect(completion.choices[0]?.message.content).toBe('zai');
    expect(server.requests[0]?.path).toBe('/api/paas/v4/chat/completions');
    expect(server.requests[0]?.protocol).toBe('openai');
  });
});
