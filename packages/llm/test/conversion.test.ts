import { type LlmTestServer, start } from '@astrid/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProvider, type LlmRequest } from '../src/index.js';
import { collect, modelConfig, PROTOCOLS } from './helpers.js';

let server: LlmTestServer;
beforeEach(async () => {
  server = await start();
});
afterEach(async () => {
  await server.close();
});

// A two-round history: the model read a file (one call succeeded, one failed), then the
// user said something more.
const HISTORY: LlmRequest = {
  system: 'You are Astrid.',
  tools: [
    {
      name: 'read_file',
      description: 'Read a file',
      inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    },
  ],
  messages: [
    { role: 'user', content: 'Read a and b.' },
    {
      role: 'assistant',
      content: 'Reading both.',
      toolCalls: [
        { id: 'call_a', name: 'read_file', arguments: { path: '/w/a' } },
        { id: 'call_b', name: 'read_file', arguments: { path: '/w/b' } },
      ],
    },
    {
      role: 'tool_results',
      results: [
        { toolCallId: 'call_a', content: 'AAA' },
        { toolCallId: 'call_b', content: 'ENOENT: no such file', isError: true },
      ],
    },
    { role: 'user', content: 'b was moved to c.' },
    {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'call_c', name: 'read_file', arguments: { path: '/w/c' } }],
    },
    { role: 'tool_results', results: [{ toolCallId: 'call_c', content: 'CCC' }] },
  ],
  maxTokens: 333,
  temperature: 0.5,
};

describe('history and tools in the Anthropic wire format', () => {
  it('is what the SDK sends, and the server (checking like the real API) accepts it', async () => {
    server.enqueue({ text: 'ok' });
    await collect(PROTOCOLS[0]!.make(server).stream(HISTORY));
    expect(server.requests[0]?.status).toBe(200);
    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      max_tokens: 333,
      stream: true,
      system: 'You are Astrid.',
      temperature: 0.5,
      tools: [
        {
          name: 'read_file',
          description: 'Read a file',
          input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        },
      ],
      messages: [
        { role: 'user', content: 'Read a and b.' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Reading both.' },
            { type: 'tool_use', id: 'call_a', name: 'read_file', input: { path: '/w/a' } },
            { type: 'tool_use', id: 'call_b', name: 'read_file', input: { path: '/w/b' } },
          ],
        },
        {
          // Tool results and the next user text share one user turn, results first.
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_a', content: 'AAA' },
            { type: 'tool_result', tool_use_id: 'call_b', content: 'ENOENT: no such file', is_error: true },
            { type: 'text', text: 'b was moved to c.' },
          ],
        },
        // No empty text block for a tool-only turn: the API refuses those.
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'call_c', name: 'read_file', input: { path: '/w/c' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_c', content: 'CCC' }] },
      ],
    });
  });

  it('takes max_tokens from [model] when the request sets none, and omits unset fields', async () => {
    server.enqueue({ text: 'ok' });
    await collect(PROTOCOLS[0]!.make(server).stream({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      max_tokens: 1024,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
  });
});

describe('history and tools in the OpenAI wire format', () => {
  it('is what the SDK sends, and the server (checking like the real API) accepts it', async () => {
    server.enqueue({ text: 'ok' });
    await collect(PROTOCOLS[1]!.make(server).stream(HISTORY));
    expect(server.requests[0]?.status).toBe(200);
    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      max_completion_tokens: 333,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.5,
      tools: [
        {
          type: 'function',
          function: {
            name: 'read_file',
            description: 'Read a file',
            parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
          },
        },
      ],
      messages: [
        { role: 'system', content: 'You are Astrid.' },
        { role: 'user', content: 'Read a and b.' },
        {
          role: 'assistant',
          content: 'Reading both.',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"/w/a"}' } },
            { id: 'call_b', type: 'function', function: { name: 'read_file', arguments: '{"path":"/w/b"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'AAA' },
        { role: 'tool', tool_call_id: 'call_b', content: 'ENOENT: no such file' },
        { role: 'user', content: 'b was moved to c.' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_c', type: 'function', function: { name: 'read_file', arguments: '{"path":"/w/c"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_c', content: 'CCC' },
      ],
    });
  });

  it('compatible servers and Z.ai get max_tokens instead of max_completion_tokens', async () => {
    server.enqueue({ text: 'ok' }, { text: 'ok' });
    const compat = createProvider(
      modelConfig({
        provider: 'openai-compatible',
        preset: 'vllm',
        base_url: `${server.url}/v1`,
        api_key: 'testkit-key',
      }),
      {},
    );
    const zai = createProvider(
      modelConfig({ provider: 'zai', base_url: `${server.url}/api/paas/v4/`, api_key: 'testkit-key' }),
      {},
    );
    await collect(compat.stream({ messages: [{ role: 'user', content: 'hi' }] }));
    await collect(zai.stream({ messages: [{ role: 'user', content: 'hi' }] }));
    for (const r of server.requests) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ max_tokens: 1024 });
      expect(r.body).not.toHaveProperty('max_completion_tokens');
    }
    expect(server.requests[1]?.path).toBe('/api/paas/v4/chat/completions');
  });
});

describe('request checks at the boundary', () => {
  it.each([
    [{ messages: [] }, '"messages" must not be empty'],
    [
      { messages: [{ role: 'user', content: 'x' }], maxTokens: 0 },
      '"maxTokens" expected a positive integer, got 0',
    ],
    [
      { messages: [{ role: 'user', content: 'x' }], temperature: 3 },
      '"temperature" expected a number in [0, 2], got 3',
    ],
    [
      {
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ name: 'bad name', description: '', inputSchema: { type: 'object' } }],
      },
      '"tools[0].name" must match',
    ],
    [
      {
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ name: 't', description: '', inputSchema: { type: 'array' } }],
      },
      '"tools[0].inputSchema.type" must be "object"',
    ],
    [{ messages: [{ role: 'tool_results', results: [] }] }, '"messages[0].results" must not be empty'],
  ] as const)('throws before any request for %j', (request, message) => {
    for (const protocol of PROTOCOLS) {
      expect(() => protocol.make(server).stream(request as LlmRequest)).toThrow(message);
    }
    expect(server.requests).toHaveLength(0);
  });
});
