// llm-stream-overhead: one scripted, streamed 50-text-event turn through our provider
// against the same turn read with the raw SDK stream, same server, same run, for each wire
// protocol. The floor is the SDK's own cost (HTTP, SSE parsing, JSON); the ratio is what
// translation, checks, the retry/abort driver and the idle watchdog add on top.
import Anthropic from '@anthropic-ai/sdk';
import { report, usPerAsyncCall } from '@astrid/benchkit';
import { type ScriptedTurn, start } from '@astrid/testkit';
import OpenAI from 'openai';
import { createProvider } from '../src/index.js';

const TURN: ScriptedTurn = { text: 'x'.repeat(500), chunks: 50 };
const REQUEST = { messages: [{ role: 'user' as const, content: 'bench' }] };
const ITERATIONS = 150;
const ROUNDS = 5;

const server = await start();

const config = {
  preset: undefined,
  model: 'bench-model',
  api_key: 'testkit-key',
  max_tokens: 1024,
  pricing: {
    input_micro_usd_per_mtok: 0,
    output_micro_usd_per_mtok: 0,
    cache_read_micro_usd_per_mtok: 0,
    cache_write_micro_usd_per_mtok: 0,
  },
  prices: {},
};
const anthropicProvider = createProvider({ ...config, provider: 'anthropic', base_url: server.url }, {});
const openaiProvider = createProvider({ ...config, provider: 'openai', base_url: `${server.url}/v1` }, {});
const anthropic = new Anthropic({ apiKey: 'testkit-key', baseURL: server.url, maxRetries: 0 });
const openai = new OpenAI({ apiKey: 'testkit-key', baseURL: `${server.url}/v1`, maxRetries: 0 });

let sink = 0;

async function ours(provider: typeof anthropicProvider): Promise<void> {
  server.enqueue(TURN);
  for await (const event of provider.stream(REQUEST))
    if (event.type === 'text_delta') sink += event.text.length;
}

async function rawAnthropic(): Promise<void> {
  server.enqueue(TURN);
  const stream = await anthropic.messages.create({
    model: 'bench-model',
    max_tokens: 1024,
    messages: REQUEST.messages,
    stream: true,
  });
  for await (const event of stream) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
      sink += event.delta.text.length;
  }
}

async function rawOpenAi(): Promise<void> {
  server.enqueue(TURN);
  const stream = await openai.chat.completions.create({
    model: 'bench-model',
    max_completion_tokens: 1024,
    messages: REQUEST.messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) sink += chunk.choices[0]?.delta.content?.length ?? 0;
}

// Alternating rounds, best of each, so machine load weighs on both alike.
async function paired(
  a: () => Promise<void>,
  b: () => Promise<void>,
): Promise<{ value: number; floor: number }> {
  let best = { value: Number.POSITIVE_INFINITY, floor: Number.POSITIVE_INFINITY };
  for (let i = 0; i < ROUNDS; i++) {
    const value = await usPerAsyncCall(a, ITERATIONS, 1);
    const floor = await usPerAsyncCall(b, ITERATIONS, 1);
    best = { value: Math.min(best.value, value), floor: Math.min(best.floor, floor) };
  }
  return best;
}

report({
  name: 'llm-stream-overhead-anthropic',
  unit: 'us',
  ...(await paired(() => ours(anthropicProvider), rawAnthropic)),
});
report({
  name: 'llm-stream-overhead-openai',
  unit: 'us',
  ...(await paired(() => ours(openaiProvider), rawOpenAi)),
});

if (sink === 0) throw new Error('benchmark streamed nothing');
await server.close();
