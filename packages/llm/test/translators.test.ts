import { describe, expect, it } from 'vitest';
import { AnthropicTranslator } from '../src/anthropic-stream.js';
import { StreamProtocolError } from '../src/errors.js';
import type { LlmEvent } from '../src/index.js';
import { OpenAiTranslator } from '../src/openai-stream.js';

// Shapes a hostile or buggy server can send that the SDKs pass through unchecked.

function run(translator: AnthropicTranslator | OpenAiTranslator, events: unknown[]): LlmEvent[] {
  const out: LlmEvent[] = [];
  for (const e of events) translator.push(e, out);
  translator.finish(out);
  return out;
}

function protocolError(fn: () => unknown): StreamProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StreamProtocolError) return err;
    throw err;
  }
  throw new Error('expected a StreamProtocolError');
}

const chunk = (delta: unknown, finish: string | null = null) => ({
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('AnthropicTranslator', () => {
  const start = { type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } };

  it.each([
    [[null], 'event: expected an object'],
    [
      [{ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x' } }],
      'unknown block 0',
    ],
    [
      [start, { type: 'content_block_start', index: 0, content_block: null }],
      'content_block: expected an object',
    ],
    [
      [start, { type: 'content_block_start', index: -1, content_block: { type: 'text', text: '' } }],
      'non-negative integer',
    ],
    [
      [
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: '', name: 'x' } },
      ],
      'without id or name',
    ],
    [
      [
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{' } },
      ],
      'input_json_delta for a text block',
    ],
    [
      [
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'message_stop' },
      ],
      'still open',
    ],
    [
      [start, { type: 'message_delta', delta: {}, usage: { output_tokens: 'many' } }],
      'output_tokens: expected',
    ],
  ])('a bad event is malformed_stream (%#)', (events, message) => {
    const err = protocolError(() => run(new AnthropicTranslator(), events));
    expect(err.code).toBe('malformed_stream');
    expect(err.message).toContain(message);
  });

  it('a stream without message_stop is truncated_stream', () => {
    const err = protocolError(() => run(new AnthropicTranslator(), [start]));
    expect(err.code).toBe('truncated_stream');
  });

  it('skips thinking blocks and unknown events, and keeps unknown stop reasons', () => {
    const events = run(new AnthropicTranslator(), [
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'some_future_event' },
      { type: 'message_delta', delta: { stop_reason: 'brand_new_reason' }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ]);
    expect(events).toEqual([
      { type: 'usage', inputTokens: 5, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0 },
      { type: 'done', stopReason: 'other', providerStopReason: 'brand_new_reason' },
    ]);
  });
});

describe('OpenAiTranslator', () => {
  it('holds argument fragments until id and name are known, then starts the call', () => {
    const events = run(new OpenAiTranslator(), [
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'ls', arguments: ':1}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(events).toEqual([
      { type: 'tool_call_start', id: 'call_1', name: 'ls' },
      { type: 'tool_call_delta', id: 'call_1', argumentsDelta: '{"a":1}' },
      { type: 'tool_call_end', id: 'call_1', name: 'ls', arguments: { a: 1 }, rawArguments: '{"a":1}' },
      { type: 'done', stopReason: 'tool_use', providerStopReason: 'tool_calls' },
    ]);
  });

  it('copes with servers that omit index or id, and with "stop" for a tool-calling reply', () => {
    const events = run(new OpenAiTranslator(), [
      chunk({ tool_calls: [{ id: 'a', function: { name: 'one', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ id: 'b', function: { name: 'two', arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ function: { arguments: ':2}' } }] }),
      chunk({ tool_calls: [{ index: 2, function: { name: 'three', arguments: '{}' } }] }),
      chunk({}, 'stop'),
    ]);
    const ends = events.filter((e) => e.type === 'tool_call_end');
    expect(ends.map((e) => [e.id, e.name, e.arguments])).toEqual([
      ['a', 'one', {}],
      ['b', 'two', { x: 2 }],
      ['call_2', 'three', {}],
    ]);
    expect(events.at(-1)).toEqual({ type: 'done', stopReason: 'tool_use', providerStopReason: 'stop' });
  });

  it.each([
    [[{ choices: 'nope' }], 'chunk.choices: expected an array'],
    [[chunk({ content: 5 })], 'delta.content: expected a string'],
    [[chunk({ tool_calls: {} })], 'delta.tool_calls: expected an array'],
    [
      [
        chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'x' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'b' }] }),
      ],
      'changed its id',
    ],
    [
      [
        chunk({ tool_calls: [{ index: 0, id: 'a', function: { arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
      ],
      'has no function name',
    ],
    [[chunk({}, 'stop'), chunk({}, 'stop')], 'finish_reason sent twice'],
    [[chunk({}, 'stop'), chunk({ tool_calls: [{ index: 0, id: 'a' }] })], 'after finish_reason'],
    [[{ choices: [], usage: { prompt_tokens: -4 } }], 'usage.prompt_tokens'],
  ])('a bad chunk is malformed_stream (%#)', (events, message) => {
    const err = protocolError(() => run(new OpenAiTranslator(), events));
    expect(err.code).toBe('malformed_stream');
    expect(err.message).toContain(message);
  });

  it('ignores other choice indexes, and a stream without finish_reason is truncated_stream', () => {
    const translator = new OpenAiTranslator();
    const out: LlmEvent[] = [];
    translator.push({ choices: [{ index: 1, delta: { content: 'other choice' } }] }, out);
    translator.push(chunk({ content: 'mine' }), out);
    expect(out).toEqual([{ type: 'text_delta', text: 'mine' }]);
    expect(protocolError(() => translator.finish(out)).code).toBe('truncated_stream');
  });
});
