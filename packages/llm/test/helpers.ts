import type { ModelConfig } from '@astrid/config';
import type { LlmTestServer } from '@astrid/testkit';
import {
  createProvider,
  type LlmEvent,
  type LlmProvider,
  type LlmRequest,
  type ProviderOptions,
} from '../src/index.js';

/** Drains a provider stream. */
export async function collect(events: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** A `[model]` section with the defaults' prices. */
export function modelConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    provider: 'anthropic',
    preset: undefined,
    model: 'test-model',
    base_url: undefined,
    api_key: undefined,
    max_tokens: 1024,
    pricing: {
      input_micro_usd_per_mtok: 3_000_000,
      output_micro_usd_per_mtok: 15_000_000,
      cache_read_micro_usd_per_mtok: 300_000,
      cache_write_micro_usd_per_mtok: 3_750_000,
    },
    prices: {},
    ...overrides,
  };
}

/** A sleep that records the delays asked for and returns at once (keeps the suite fast). */
export function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}

/** One wire protocol under test: how to point a provider at the test server. */
export interface Protocol {
  readonly name: 'anthropic' | 'openai';
  make(server: LlmTestServer, options?: ProviderOptions, overrides?: Partial<ModelConfig>): LlmProvider;
}

export const PROTOCOLS: readonly Protocol[] = [
  {
    name: 'anthropic',
    make: (server, options = {}, overrides = {}) =>
      createProvider(
        modelConfig({ base_url: server.url, api_key: 'testkit-key', ...overrides }),
        {},
        options,
      ),
  },
  {
    name: 'openai',
    make: (server, options = {}, overrides = {}) =>
      createProvider(
        modelConfig({
          provider: 'openai',
          base_url: `${server.url}/v1`,
          api_key: 'testkit-key',
          ...overrides,
        }),
        {},
        options,
      ),
  },
];

/** A one-message request. */
export const HELLO: LlmRequest = { messages: [{ role: 'user', content: 'hello' }] };

/** The events of a given type. */
export function ofType<T extends LlmEvent['type']>(
  events: readonly LlmEvent[],
  type: T,
): Extract<LlmEvent, { type: T }>[] {
  return events.filter((e): e is Extract<LlmEvent, { type: T }> => e.type === type);
}
