/** How a provider retries a failed request (only ever before it yielded any event). */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 3. */
  readonly maxRetries: number;
  /** First backoff delay when the server gives no `retry-after`. Default 500 ms. */
  readonly baseDelayMs: number;
  /** Cap of the exponential backoff. Default 8 s. */
  readonly maxDelayMs: number;
  /**
   * The longest `retry-after` honoured by waiting. A server asking for more ends the
   * stream with a retryable error carrying `retryAfterMs`, so the caller decides
   * instead of a turn hanging for minutes. Default 60 s.
   */
  readonly maxRetryAfterMs: number;
}

/** The defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/**
 * The delay a server asked for: `retry-after-ms` (milliseconds, sent by OpenAI), else
 * `retry-after` as seconds or as an HTTP date. `undefined` when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | undefined, now: () => number): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // An HTTP date names its day and month; anything else (e.g. "-5") is not one.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}

/** Exponential backoff for retry `attempt` (0-based) with up to 25 % jitter taken off. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const raw = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
  return Math.round(raw * (1 - 0.25 * random()));
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
