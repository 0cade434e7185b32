import type { DriverOptions } from './driver.js';
import { abortableSleep, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

/** Where and as whom a provider connects; {@link createProvider} derives it from `[model]`. */
export interface ProviderSettings {
  /** Label used in messages, actions and `LlmProvider.name`. */
  readonly name: string;
  readonly model: string;
  readonly baseURL: string;
  readonly apiKey: string;
  /** Default output limit when a request sets none. */
  readonly maxTokens: number;
  /** Named in an auth failure so the user knows what to fix. */
  readonly keySource: string;
}

/** Tuning and test seams; every field is optional. */
export interface ProviderOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Longest silence from the server before the attempt fails as `timeout`. Default 5 min. */
  readonly idleTimeoutMs?: number;
  /** Injected in tests to observe and skip backoff waits. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  readonly random?: () => number;
  /** Clock for `retry-after` HTTP dates. */
  readonly now?: () => number;
  /** Extra headers on every request (e.g. a gateway's own auth). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Five minutes: long enough for a slow first token, short enough that a dead stream ends. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/** The driver options for `options`, defaults filled in. */
export function driverOptions(options: ProviderOptions): DriverOptions {
  return {
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    sleep: options.sleep ?? abortableSleep,
    random: options.random ?? Math.random,
  };
}
