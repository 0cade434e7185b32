import { errorEvent, type Failure } from './errors.js';
import { backoffMs, type RetryPolicy } from './retry.js';
import type { LlmEvent, UsageEvent } from './types.js';

/** Turns one provider's wire events into {@link LlmEvent}s, for one attempt. */
export interface StreamTranslator<W> {
  /** Appends the events for `event` to `out`; throws `StreamProtocolError` on a bad event. */
  push(event: W, out: LlmEvent[]): void;
  /** The wire stream ended: appends the closing events, or throws when it ended too early. */
  finish(out: LlmEvent[]): void;
  /** The usage reported so far, sent before an `error` or a cancellation. */
  usage(): UsageEvent | undefined;
}

/** What the driver needs from a provider. */
export interface WireBackend<W> {
  readonly provider: string;
  /** Sends the request; the returned stream must end or throw when `signal` aborts. */
  open(signal: AbortSignal): Promise<AsyncIterable<W>>;
  translator(): StreamTranslator<W>;
  classify(err: unknown): Failure;
}

/** Retry, timing and randomness, injectable for tests. */
export interface DriverOptions {
  readonly retry: RetryPolicy;
  /** Longest silence (no wire event) before the attempt is abandoned as `timeout`. */
  readonly idleTimeoutMs: number;
  readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  readonly random: () => number;
}

const CANCELLED: LlmEvent = { type: 'done', stopReason: 'cancelled' };

/**
 * Aborts an attempt after `ms` without wire events. Paused while the consumer holds an
 * event, so a slow consumer is never mistaken for a silent server.
 */
class IdleWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  fired = false;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  touch(): void {
    this.paused = false;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.fire(), this.ms);
      this.timer.unref();
    } else this.timer.refresh();
  }

  pause(): void {
    this.paused = true;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private fire(): void {
    if (this.paused) {
      this.timer?.refresh();
      return;
    }
    this.fired = true;
    this.onIdle();
  }
}

/**
 * Runs a provider stream: one attempt per request, retried with backoff (honouring
 * `retry-after`) only while nothing has been yielded, so the caller never sees a
 * duplicated delta. Cancellation through `signal` aborts the HTTP stream and ends with
 * `done { stopReason: 'cancelled' }`; every failure ends with one `error` event.
 */
export async function* driveStream<W>(
  backend: WireBackend<W>,
  options: DriverOptions,
  signal: AbortSignal | undefined,
): AsyncGenerator<LlmEvent, void, undefined> {
  if (signal?.aborted) {
    yield CANCELLED;
    return;
  }
  let current: AbortController | undefined;
  const onAbort = () => current?.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      current = controller;
      const watchdog = new IdleWatchdog(options.idleTimeoutMs, () =>
        controller.abort(new Error('idle timeout')),
      );
      const translator = backend.translator();
      const out: LlmEvent[] = [];
      let yielded = false;
      let failure: Failure | undefined;
      try {
        watchdog.touch();
        const wire = await backend.open(controller.signal);
        for await (const event of wire) {
          watchdog.pause();
          translator.push(event, out);
          if (out.length > 0) {
            yielded = true;
            for (const e of out.splice(0)) yield e;
          }
          watchdog.touch();
        }
        if (!controller.signal.aborted) {
          translator.finish(out);
          watchdog.stop();
          yield* out;
          return;
        }
      } catch (err) {
        if (!controller.signal.aborted) failure = backend.classify(err);
      } finally {
        watchdog.stop();
      }

      if (signal?.aborted) {
        const usage = translator.usage();
        if (usage !== undefined) yield usage;
        yield CANCELLED;
        return;
      }
      if (watchdog.fired) {
        failure = {
          code: 'timeout',
          message: `${backend.provider}: no data from the server for ${options.idleTimeoutMs} ms`,
          retryable: true,
        };
      }
      failure ??= {
        code: 'connection',
        message: `${backend.provider}: the stream was aborted`,
        retryable: false,
      };

      const delay = failure.retryAfterMs ?? backoffMs(attempt, options.retry, options.random);
      const tooLong = delay > options.retry.maxRetryAfterMs;
      if (!yielded && failure.retryable && attempt < options.retry.maxRetries && !tooLong) {
        try {
          await options.sleep(delay, signal);
        } catch {
          yield CANCELLED;
          return;
        }
        if (signal?.aborted) {
          yield CANCELLED;
          return;
        }
        continue;
      }
      const usage = translator.usage();
      if (usage !== undefined) yield usage;
      yield errorEvent(failure, attempt + 1, tooLong ? delay : undefined);
      return;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
