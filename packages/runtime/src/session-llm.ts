import type { BudgetLimits } from '@astrid/approval';
import type { AstridConfig, ModelConfig, ModelPricing } from '@astrid/config';
import { AstridError } from '@astrid/core';
import { createProvider, type Env, type LlmProvider, type ProviderOptions } from '@astrid/llm';
import type { SessionLlmSpec } from './record.js';

/** The model one session talks to, and the prices its budget counts. */
export interface SessionLlm {
  readonly provider: LlmProvider;
  readonly pricing: ModelPricing;
  /** False when the model has no known price: its requests are counted at zero. */
  readonly priced: boolean;
}

/**
 * Hosted providers a session may switch to when the daemon is configured for another one:
 * their key is the daemon's own environment variable (`OPENAI_API_KEY`...) and their URL the
 * provider's. An `openai-compatible` server is reachable only as the configured provider,
 * since its URL comes from config: a client must never choose where the conversation goes.
 */
export const SWITCHABLE_PROVIDERS = ['anthropic', 'openai', 'zai'] as const;

const ZERO: ModelPricing = {
  input_micro_usd_per_mtok: 0,
  output_micro_usd_per_mtok: 0,
  cache_read_micro_usd_per_mtok: 0,
  cache_write_micro_usd_per_mtok: 0,
};

/** What {@link SessionLlms} builds on. */
export interface SessionLlmsParts {
  readonly config: AstridConfig;
  readonly env: Env;
  readonly providerOptions?: ProviderOptions;
  /** The daemon's provider (configured, injected or the demo) and its prices. */
  readonly provider: LlmProvider;
  readonly pricing: ModelPricing;
  readonly limits: BudgetLimits;
  /** Wraps every provider built for a session (the gateway's kill-switch gate). */
  readonly wrap?: (provider: LlmProvider) => LlmProvider;
}

/**
 * Per-session providers and models. A session that asks for nothing, or for the daemon's own
 * provider and model, shares the daemon's provider and `[model.pricing]`. Any other model is
 * priced from `[model.prices."<model>"]`; with no price there and a budget limit configured
 * it is refused (a budget that cannot be computed must not be bypassed), without a limit it
 * runs counted at zero (the caller records a warning). Keys never come from the client: the same provider keeps the configured key and
 * URL, another hosted provider uses the daemon's environment variable for it.
 */
export class SessionLlms {
  private readonly cache = new Map<string, LlmProvider>();

  constructor(private readonly parts: SessionLlmsParts) {}

  /** The daemon's own provider and model. */
  get defaultSpec(): SessionLlmSpec {
    return { provider: this.parts.provider.name, model: this.parts.provider.model };
  }

  /** The provider for `spec` (undefined: the daemon's); throws INVALID_ARGUMENT or CONFIG_INVALID. */
  resolve(spec: SessionLlmSpec | undefined): SessionLlm {
    const { provider, pricing } = this.parts;
    if (spec === undefined || (spec.provider === provider.name && spec.model === provider.model)) {
      return { provider, pricing, priced: true };
    }
    if (typeof spec.model !== 'string' || spec.model.length === 0 || spec.model.length > 256) {
      throw new RangeError('"model" expected 1-256 characters');
    }
    const name = `${spec.provider}/${spec.model}`;
    const price = Object.hasOwn(this.parts.config.model.prices, spec.model)
      ? this.parts.config.model.prices[spec.model]
      : undefined;
    const limits = this.parts.limits;
    if (
      price === undefined &&
      (limits.sessionMax !== undefined ||
        limits.perActionMax !== undefined ||
        limits.workspaceMax !== undefined)
    ) {
      throw new AstridError(
        'INVALID_ARGUMENT',
        `model "${name}" has no known price and a budget limit is configured: its cost could not be counted, so it is refused (give it a price in [model.prices."${spec.model}"], or remove the budget limits)`,
        { details: { provider: spec.provider, model: spec.model } },
      );
    }
    const counted = price ?? ZERO;
    const priced = price !== undefined;
    const cached = this.cache.get(name);
    if (cached !== undefined) return { provider: cached, pricing: counted, priced };
    const built = createProvider(this.modelConfig(spec), this.parts.env, this.parts.providerOptions);
    const wrapped = this.parts.wrap === undefined ? built : this.parts.wrap(built);
    this.cache.set(name, wrapped);
    return { provider: wrapped, pricing: counted, priced };
  }

  private modelConfig(spec: SessionLlmSpec): ModelConfig {
    const configured = this.parts.config.model;
    if (spec.provider === this.parts.provider.name) {
      if (this.parts.provider.name === 'demo') {
        throw new AstridError(
          'INVALID_ARGUMENT',
          'the offline demo has one model: configure [model] to choose one',
        );
      }
      // The same provider: the configured key and URL, another model.
      return { ...configured, model: spec.model };
    }
    const hosted = SWITCHABLE_PROVIDERS.find((p) => p === spec.provider);
    if (hosted === undefined) {
      throw new AstridError(
        'INVALID_ARGUMENT',
        `provider "${spec.provider.slice(0, 64)}" is not this daemon's ("${this.parts.provider.name}") and only ${SWITCHABLE_PROVIDERS.join(', ')} can be chosen per session`,
      );
    }
    // Another provider: never the configured key or URL (they belong to the configured one).
    return {
      ...configured,
      provider: hosted,
      preset: undefined,
      model: spec.model,
      api_key: undefined,
      base_url: undefined,
    };
  }
}
