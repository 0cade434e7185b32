import type OpenAI from 'openai';
import { type DriverOptions, driveStream, type WireBackend } from './driver.js';
import { classifyApiFailure, classifyStreamError, type Failure, type FailureContext } from './errors.js';
import { lazyModule } from './lazy.js';
import { type MaxTokensField, toOpenAiParams } from './openai-request.js';
import { OpenAiTranslator } from './openai-stream.js';
import { driverOptions, type ProviderOptions, type ProviderSettings } from './options.js';
import { retryAfterMs } from './retry.js';
import type { LlmEvent, LlmProvider, LlmRequest, StreamOptions } from './types.js';
import { checkRequest } from './validate.js';

// The SDK is loaded on the first request, not at import (see anthropic.ts).
const sdk = lazyModule(() => import('openai'));

/** Settings specific to the chat-completions family. */
export interface OpenAiSettings extends ProviderSettings {
  /** OpenAI's API wants `max_completion_tokens`; compatible servers take `max_tokens`. */
  readonly maxTokensField: MaxTokensField;
}

function messageOf(body: unknown): string | null {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') {
    return body.message;
  }
  return null;
}

/** OpenAI and every OpenAI-compatible server (Ollama, vLLM, llama.cpp, Z.ai) through `openai`. */
export class OpenAiProvider implements LlmProvider {
  readonly name: string;
  readonly model: string;
  readonly baseURL: string;
  private client: Promise<OpenAI> | undefined;
  private readonly clientOptions: ConstructorParameters<typeof OpenAI>[0];
  private readonly settings: OpenAiSettings;
  private readonly driver: DriverOptions;
  private readonly now: () => number;

  constructor(settings: OpenAiSettings, options: ProviderOptions = {}) {
    this.name = settings.name;
    this.model = settings.model;
    this.baseURL = settings.baseURL;
    this.settings = settings;
    this.driver = driverOptions(options);
    this.now = options.now ?? Date.now;
    // Explicit values throughout, so the SDK does not pick up OPENAI_ORG_ID and friends
    // from the environment; retries are ours (see driver.ts).
    this.clientOptions = {
      apiKey: settings.apiKey,
      baseURL: settings.baseURL,
      organization: null,
      project: null,
      webhookSecret: null,
      maxRetries: 0,
      timeout: this.driver.idleTimeoutMs,
      logLevel: 'off',
      ...(options.headers === undefined ? {} : { defaultHeaders: { ...options.headers } }),
    };
  }

  private sdkClient(): Promise<OpenAI> {
    this.client ??= sdk.load().then((m) => new m.default(this.clientOptions));
    return this.client;
  }

  /** Streams one model call as {@link LlmEvent}s; throws only for an invalid `request`. */
  stream(request: LlmRequest, options: StreamOptions = {}): AsyncIterable<LlmEvent> {
    checkRequest(request);
    const params = toOpenAiParams(request, this.model, this.settings.maxTokens, this.settings.maxTokensField);
    const ctx: FailureContext = { provider: this.name, keySource: this.settings.keySource };
    const backend: WireBackend<unknown> = {
      provider: this.name,
      open: async (signal) => (await this.sdkClient()).chat.completions.create(params, { signal }),
      translator: () => new OpenAiTranslator(),
      classify: (err) => this.classify(err, ctx),
    };
    return driveStream(backend, this.driver, options.signal);
  }

  private classify(err: unknown, ctx: FailureContext): Failure {
    // The SDK is loaded by the time a request can fail; if loading failed, nothing is SDK-typed.
    const loaded = sdk.loaded;
    if (loaded === undefined) return classifyStreamError(err, ctx);
    const { APIConnectionError, APIConnectionTimeoutError, APIError } = loaded;
    if (err instanceof APIConnectionTimeoutError) {
      return { code: 'timeout', message: `${ctx.provider}: request timed out`, retryable: true };
    }
    if (err instanceof APIConnectionError) {
      return classifyStreamError(err.cause instanceof Error ? err.cause : err, ctx);
    }
    if (err instanceof APIError) {
      const failure = {
        status: err.status,
        headers: err.headers,
        errorType: err.type,
        apiMessage: messageOf(err.error),
      };
      return classifyApiFailure(failure, ctx, retryAfterMs(err.headers, this.now));
    }
    return classifyStreamError(err, ctx);
  }
}
