import { type ModelConfig, PRESET_BASE_URLS } from '@astrid/config';
import { AstridError } from '@astrid/core';
import { AnthropicProvider } from './anthropic.js';
import { OpenAiProvider } from './openai.js';
import type { ProviderOptions } from './options.js';
import type { LlmProvider } from './types.js';

/** Default base URLs of the hosted providers (the local presets' are config's `PRESET_BASE_URLS`). */
export const HOSTED_BASE_URLS = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com/v1',
  zai: 'https://api.z.ai/api/paas/v4/',
} as const;

/** The env variable holding each hosted provider's key. */
export const API_KEY_VARIABLES = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  zai: 'ZAI_API_KEY',
} as const;

/**
 * Sent as the key to a keyless local server (Ollama, vLLM, llama.cpp without
 * `--api-key`): the OpenAI SDK refuses an empty key, and this is the placeholder
 * llama.cpp's own docs use.
 */
export const NO_KEY_PLACEHOLDER = 'sk-no-key-required';

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function hostedKey(model: ModelConfig, env: Env, provider: keyof typeof API_KEY_VARIABLES): string {
  const variable = API_KEY_VARIABLES[provider];
  const key = nonEmpty(model.api_key) ?? nonEmpty(env[variable]);
  if (key === undefined) {
    throw new AstridError(
      'CONFIG_INVALID',
      `provider "${provider}" needs an API key: set ${variable} or model.api_key (or ASTRID_API_KEY)`,
      { details: { provider, variable } },
    );
  }
  return key;
}

/** The label an `llm_request` action and the provider carry: the preset for a local server. */
export function providerLabel(model: ModelConfig): string {
  return model.provider === 'openai-compatible' ? (model.preset ?? 'openai-compatible') : model.provider;
}

/**
 * Builds the provider for `[model]`. The key comes from `model.api_key` (where the config
 * loader already put `ASTRID_API_KEY` or the SDK's own variable) or else from the
 * provider's variable in `env`; the base URL from `model.base_url`, else
 * `ANTHROPIC_BASE_URL` / `OPENAI_BASE_URL` for those two providers, else the default.
 * A hosted provider without a key is an error naming the variable to set. An
 * `openai-compatible` server never receives `OPENAI_API_KEY`: the user's OpenAI key must
 * not leak to whatever server `base_url` points at.
 */
export function createProvider(model: ModelConfig, env: Env, options: ProviderOptions = {}): LlmProvider {
  if (model.api_key === '[redacted]') {
    throw new AstridError(
      'CONFIG_INVALID',
      'model.api_key is "[redacted]": pass the loaded config, not its redacted copy',
    );
  }
  const common = { model: model.model, maxTokens: model.max_tokens };
  switch (model.provider) {
    case 'anthropic':
      return new AnthropicProvider(
        {
          ...common,
          name: 'anthropic',
          apiKey: hostedKey(model, env, 'anthropic'),
          baseURL: nonEmpty(model.base_url) ?? nonEmpty(env.ANTHROPIC_BASE_URL) ?? HOSTED_BASE_URLS.anthropic,
          keySource: 'model.api_key or ANTHROPIC_API_KEY',
        },
        options,
      );
    case 'openai':
      return new OpenAiProvider(
        {
          ...common,
          name: 'openai',
          apiKey: hostedKey(model, env, 'openai'),
          baseURL: nonEmpty(model.base_url) ?? nonEmpty(env.OPENAI_BASE_URL) ?? HOSTED_BASE_URLS.openai,
          keySource: 'model.api_key or OPENAI_API_KEY',
          maxTokensField: 'max_completion_tokens',
        },
        options,
      );
    case 'zai':
      return new OpenAiProvider(
        {
          ...common,
          name: 'zai',
          apiKey: hostedKey(model, env, 'zai'),
          baseURL: nonEmpty(model.base_url) ?? HOSTED_BASE_URLS.zai,
          keySource: 'model.api_key or ZAI_API_KEY',
          maxTokensField: 'max_tokens',
        },
        options,
      );
    case 'openai-compatible': {
      const baseURL =
        nonEmpty(model.base_url) ?? (model.preset === undefined ? undefined : PRESET_BASE_URLS[model.preset]);
      if (baseURL === undefined) {
        throw new AstridError(
          'CONFIG_INVALID',
          'provider "openai-compatible" needs model.base_url or model.preset',
        );
      }
      return new OpenAiProvider(
        {
          ...common,
          name: providerLabel(model),
          apiKey: nonEmpty(model.api_key) ?? NO_KEY_PLACEHOLDER,
          baseURL,
          keySource: 'model.api_key (or ASTRID_API_KEY)',
          maxTokensField: 'max_tokens',
        },
        options,
      );
    }
  }
}
