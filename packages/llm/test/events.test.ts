import { type LlmTestServer, start } from '@astrid/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, HELLO, ofType, PROTOCOLS } from './helpers.js';

let server: LlmTestServer;
beforeEach(async () => {
  server = await start();
});
afterEach(async () => {
  await server.close();
});

describe.each(PROTOCOLS)('every event type through the real $name SDK', (protocol) => {
  it('text, two tool calls with split arguments, usage and done, in order', async () => {
    server.enqueue({
      text: 'I will look.',
      toolCalls: [
        { id: 'call_a', name: 'read_file', arguments: { path: '/w/src/index.ts', offset: 10 } },
        {
          id: 'call_b',
          name: 'grep',
          arguments: { pattern: 'TODO', glob: '**/*.ts', context: { before: 1 } },
        },
      ],
      usage: { inputTokens: 120, outputTokens: 42 },
      chunks: 4,
    });
    const events = await collect(protocol.make(server).stream(HELLO));

    const shape = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    // Anthropic closes each block; OpenAI's calls are complete only at finish_reason.
    const calls =
      protocol.name === 'anthropic'
        ? [
            'tool_call_start',
            'tool_call_delta',
            'tool_call_end',
            'tool_call_start',
            'tool_call_delta',
            'tool_call_end',
          ]
        : ['tool_call_start', 'tool_call_delta', 'tool_call_start', 'tool_call_delta', 'tool_call_end'];
    expect(shape).toEqual(['text_delta', ...calls, 'usage', 'done']);
    expect(ofType(events, 'text_delta').map((e) => e.text)).toEqual(['I w', 'ill', ' lo', 'ok.']);
    expect(ofType(events, 'tool_call_start')).toEqual([
      { type: 'tool_call_start', id: 'call_a', name: 'read_file' },
      { type: 'tool_call_start', id: 'call_b', name: 'grep' },
    ]);
    const deltasB = ofType(events, 'tool_call_delta').filter((d) => d.id === 'call_b');
    expect(deltasB.length).toBe(4);
    expect(deltasB.map((d) => d.argumentsDelta).join('')).toBe(
      JSON.stringify({ pattern: 'TODO', glob: '**/*.ts', context: { before: 1 } }),
    );
    expect(ofType(events, 'tool_call_end')).toEqual([
      {
        type: 'tool_call_end',
        id: 'call_a',
        name: 'read_file',
        arguments: { path: '/w/src/index.ts', offset: 10 },
        rawArguments: '{"path":"/w/src/index.ts","offset":10}',
      },
      {
        type: 'tool_call_end',
        id: 'call_b',
        name: 'grep',
        arguments: { pattern: 'TODO', glob: '**/*.ts', context: { before: 1 } },
        rawArguments: JSON.stringify({ pattern: 'TODO', glob: '**/*.ts', context: { before: 1 } }),
      },
    ]);
    expect(ofType(events, 'usage')).toEqual([
      { type: 'usage', inputTokens: 120, outputTokens: 42, cacheReadTokens: 0, cacheWriteTokens: 0 },
    ]);
    expect(events[events.length - 1]).toMatchObject({ type: 'done', stopReason: 'tool_use' });
  });

  it('reports cache reads (and, for Anthropic, cache writes) apart from plain input', async () => {
    server.enqueue({
      text: 'cached',
      usage: { inputTokens: 30, outputTokens: 7, cacheReadTokens: 400, cacheWriteTokens: 50 },
    });
    const events = await collect(protocol.make(server).stream(HELLO));
    const [usage] = ofType(events, 'usage');
    if (protocol.name === 'anthropic') {
      expect(usage).toEqual({
        type: 'usage',
        inputTokens: 30,
        outputTokens: 7,
        cacheReadTokens: 400,
        cacheWriteTokens: 50,
      });
    } else {
      // OpenAI has no cache-write count: those tokens are plain prompt tokens.
      expect(usage).toEqual({
        type: 'usage',
        inputTokens: 80,
        outputTokens: 7,
        cacheReadTokens: 400,
        cacheWriteTokens: 0,
      });
    }
  });

  it.each([
    ['end_turn', 'end_turn'],
    ['max_tokens', 'max_tokens'],
  ] as const)('maps stop reason %s to %s', async (scripted, expected) => {
    server.enqueue({ text: 'x', stopReason: scripted });
    const events = await collect(protocol.make(server).stream(HELLO));
    expect(events[events.length - 1]).toMatchObject({ type: 'done', stopReason: expected });
  });

  it('a tool call whose arguments are not JSON ends with parseError, and the stream goes on to done', async () => {
    server.enqueue({
      toolCalls: [
        { id: 'call_bad', name: 'bash', arguments: '{"command": "ls' },
        { id: 'call_arr', name: 'bash', arguments: '[1,2]' },
        { id: 'call_ok', name: 'list_directory', arguments: '' },
      ],
    });
    const events = await collect(protocol.make(server).stream(HELLO));
    const ends = ofType(events, 'tool_call_end');
    expect(ends[0]).toMatchObject({ id: 'call_bad', arguments: {}, rawArguments: '{"command": "ls' });
    expect(ends[0]?.parseError).toMatch(/^arguments are not valid JSON/);
    expect(ends[1]?.parseError).toBe('arguments must be a JSON object, got an array');
    expect(ends[2]).toEqual({
      type: 'tool_call_end',
      id: 'call_ok',
      name: 'list_directory',
      arguments: {},
      rawArguments: '',
    });
    expect(events[events.length - 1]).toMatchObject({ type: 'done', stopReason: 'tool_use' });
    expect(ofType(events, 'error')).toEqual([]);
  });

  it('an empty reply is just usage and done', async () => {
    server.enqueue({ text: [] });
    const events = await collect(protocol.make(server).stream(HELLO));
    expect(events.map((e) => e.type)).toEqual(['usage', 'done']);
  });
});

describe('provider-specific stop reasons', () => {
  it('Anthropic stop_sequence stays stop_sequence', async () => {
    server.enqueue({ text: 'x', stopReason: 'stop_sequence' });
    const events = await collect(PROTOCOLS[0]!.make(server).stream(HELLO));
    expect(events[events.length - 1]).toEqual({ type: 'done', stopReason: 'stop_sequence' });
  });

  it('OpenAI finish_reason is kept as providerStopReason', async () => {
    server.enqueue({ text: 'x' }, { toolCalls: [{ name: 't', arguments: {} }] });
    const provider = PROTOCOLS[1]!.make(server);
    const first = await collect(provider.stream(HELLO));
    expect(first[first.length - 1]).toEqual({
      type: 'done',
      stopReason: 'end_turn',
      providerStopReason: 'stop',
    });
    const second = await collect(provider.stream(HELLO));
    expect(second[second.length - 1]).toEqual({
      type: 'done',
      stopReason: 'tool_use',
      providerStopReason: 'tool_calls',
    });
  });
});
