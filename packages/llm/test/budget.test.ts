import { isAstridError, parseAction, resourceUri } from '@astrid/core';
import { start } from '@astrid/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costOf, estimateInputTokens, type LlmRequest, llmRequestAction } from '../src/index.js';
import { collect, modelConfig, ofType, PROTOCOLS } from './helpers.js';

const PRICING = modelConfig().pricing; // $3 in, $15 out, $0.30 cache read, $3.75 cache write per Mtok

describe('llmRequestAction', () => {
  const request: LlmRequest = {
    system: 'abcd', // 4
    messages: [
      { role: 'user', content: 'x'.repeat(10) }, // 10
      { role: 'assistant', content: 'ok', toolCalls: [{ id: 'c', name: 'ls', arguments: { a: 1 } }] }, // 2 + 2 + 7
      { role: 'tool_results', results: [{ toolCallId: 'c', content: 'y'.repeat(5) }] }, // 5
    ],
    tools: [{ name: 'ls', description: 'list', inputSchema: { type: 'object' } }], // 2 + 4 + 17
  };

  it('estimates input tokens as characters / 4, rounded up', () => {
    expect(estimateInputTokens(request)).toBe(Math.ceil((4 + 10 + 11 + 5 + 23) / 4));
    expect(estimateInputTokens({ messages: [{ role: 'user', content: '' }] })).toBe(0);
  });

  it('is a valid llm_request action for core, with the preset as provider for local servers', () => {
    const action = llmRequestAction(request, modelConfig({ model: 'claude-sonnet-4-5' }));
    expect(action).toEqual({
      kind: 'llm_request',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      estimatedInputTokens: 14,
      maxOutputTokens: 1024,
    });
    expect(parseAction(action)).toEqual(action);
    const local = llmRequestAction(
      { ...request, maxTokens: 99 },
      modelConfig({ provider: 'openai-compatible', preset: 'ollama', model: 'llama3.2' }),
    );
    expect(local).toMatchObject({ provider: 'ollama', maxOutputTokens: 99 });
    expect(resourceUri(local)).toBe('llm://ollama/llama3.2');
  });

  it('a model name the action schema cannot carry is INVALID_ACTION', () => {
    let caught: unknown;
    try {
      llmRequestAction(request, modelConfig({ model: 'm'.repeat(257) }));
    } catch (err) {
      caught = err;
    }
    expect(isAstridError(caught, 'INVALID_ACTION')).toBe(true);
  });
});

describe('costOf', () => {
  it('prices each token class in integer micro-dollars', () => {
    expect(
      costOf({ inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, PRICING),
    ).toBe(3_000_000);
    expect(
      costOf(
        { inputTokens: 1000, outputTokens: 500, cacheReadTokens: 10_000, cacheWriteTokens: 2000 },
        PRICING,
      ),
    ).toBe(3000 + 7500 + 3000 + 7500);
    expect(
      costOf({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, PRICING),
    ).toBe(0);
  });

  it('rounds each class up, so the budget never under-counts', () => {
    const cheap = { ...PRICING, input_micro_usd_per_mtok: 1, output_micro_usd_per_mtok: 1 };
    expect(costOf({ inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 }, cheap)).toBe(
      2,
    );
    // 7 tokens at $0.30/Mtok = 2.1 micro-dollars → 3.
    expect(
      costOf({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 7, cacheWriteTokens: 0 }, PRICING),
    ).toBe(3);
  });

  it('refuses negative or fractional counts and prices', () => {
    expect(() =>
      costOf({ inputTokens: -1, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, PRICING),
    ).toThrow(RangeError);
    expect(() =>
      costOf({ inputTokens: 1.5, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, PRICING),
    ).toThrow('"inputTokens" expected a non-negative integer, got 1.5');
    expect(() =>
      costOf(
        { inputTokens: 1, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        { ...PRICING, output_micro_usd_per_mtok: -3 },
      ),
    ).toThrow('"pricing.output_micro_usd_per_mtok"');
  });

  it('is never below the exact cost and at most 4 micro-dollars above it (property)', () => {
    const count = fc.integer({ min: 0, max: 50_000_000 });
    const price = fc.integer({ min: 0, max: 200_000_000 });
    fc.assert(
      fc.property(count, count, count, count, price, price, price, price, (i, o, r, w, pi, po, pr, pw) => {
        const cost = costOf(
          { inputTokens: i, outputTokens: o, cacheReadTokens: r, cacheWriteTokens: w },
          {
            input_micro_usd_per_mtok: pi,
            output_micro_usd_per_mtok: po,
            cache_read_micro_usd_per_mtok: pr,
            cache_write_micro_usd_per_mtok: pw,
          },
        );
        const exactTimesMillion =
          BigInt(i) * BigInt(pi) + BigInt(o) * BigInt(po) + BigInt(r) * BigInt(pr) + BigInt(w) * BigInt(pw);
        const scaled = BigInt(cost) * 1_000_000n;
        return (
          Number.isSafeInteger(cost) && scaled >= exactTimesMillion && scaled < exactTimesMillion + 4_000_000n
        );
      }),
    );
  });

  it.each(PROTOCOLS)('prices the usage a $name stream reports', async (protocol) => {
    const server = await start({
      turns: [{ text: 'x', usage: { inputTokens: 2000, outputTokens: 1000, cacheReadTokens: 100 } }],
    });
    try {
      const [usage] = ofType(
        await collect(protocol.make(server).stream({ messages: [{ role: 'user', content: 'q' }] })),
        'usage',
      );
      expect(usage).toBeDefined();
      // 2000 × 3 + 1000 × 15 + 100 × 0.3 (→ 30) micro-dollars.
      expect(costOf(usage!, PRICING)).toBe(6000 + 15_000 + 30);
    } finally {
      await server.close();
    }
  });
});
