import type Anthropic from '@anthropic-ai/sdk';
import { toAnthropicParams } from './anthropic-request.js';
import { AnthropicTranslator } from './anthropic-stream.js';
import { type DriverOptions, driveStream, type WireBackend } from './driver.js';
import { classifyApiFailure, classifyStreamError, type Failure, type FailureContext } from './errors.js';
import { lazyModule } from './lazy.js';
import { driverOptions, type ProviderOptions, type ProviderSettings } from './options.js';
import { retryAfterMs } from './retry.js';
import type { LlmEvent, LlmProvider, LlmRequest, StreamOptions } from './types.js';
import { checkRequest } from './validate.js';

// The SDK is loaded on the first request, not at import: the daemon starts ~200 ms faster,
// and only the configured provider's SDK is ever loaded.
const sdk = lazyModule(() => import('@anthropic-ai/sdk'));

/** Claude through `@anthropic-ai/sdk` (Messages API, streaming, tool use). */
export class AnthropicProvider implements LlmProvider {
  readonly name: string;
  readonly model: string;
  readonly baseURL: string;
  private client: Promise<Anthropic> | undefined;
  private readonly clientOptions: ConstructorParameters<typeof Anthropic>[0];
  private readonly settings: ProviderSettings;
  private readonly driver: DriverOptions;
  private readonly now: () => number;

  constructor(settings: ProviderSettings, options: ProviderOptions = {}) {
    this.name = settings.name;
    this.model = settings.model;
    this.baseURL = settings.baseURL;
    this.settings = settings;
    this.driver = driverOptions(options);
    this.now = options.now ?? Date.now;
    // Every credential and URL is passed explicitly, so the SDK reads no key, profile or
    // base URL from the environment behind the config's back. Retries are ours (see
    // driver.ts): they must stop once an event has reached the caller.
    this.clientOptions = {
      apiKey: settings.apiKey,
      baseURL: settings.baseURL,
      maxRetries: 0,
      timeout: this.driver.idleTimeoutMs,
      logLevel: 'off',
      ...(options.headers === undefined ? {} : { defaultHeaders: { ...options.headers } }),
    };
  }

  private sdkClient(): Promise<Anthropic> {
    this.client ??= sdk.load().then((m) => new m.default(this.clientOptions));
    return this.client;
  }

  /** Streams one model call as {@link LlmEvent}s; throws only for an invalid `request`. */
  stream(request: LlmRequest, options: StreamOptions = {}): AsyncIterable<LlmEvent> {
    checkRequest(request);
    const params = toAnthropicParams(request, this.model, this.settings.maxTokens);
    const ctx: FailureContext = { provider: this.name, keySource: this.settings.keySource };
    const backend: WireBackend<unknown> = {
      provider: this.name,
      open: async (signal) => (await this.sdkClient()).messages.create(params, { signal }),
      translator: () => new AnthropicTranslator(),
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
        apiMessage: err.apiMessage,
      };
      return classifyApiFailure(failure, ctx, retryAfterMs(err.headers, this.now));
    }
    return classifyStreamError(err, ctx);
  }
}
