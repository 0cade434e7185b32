import type { ErrorEvent, LlmErrorCode } from './types.js';

/** A stream that broke the protocol: not valid JSON, not the documented shape, or cut short. */
export class StreamProtocolError extends Error {
  override readonly name = 'StreamProtocolError';
  constructor(
    readonly code: 'malformed_stream' | 'truncated_stream',
    message: string,
  ) {
    super(message);
  }
}

/** What went wrong with one attempt, and whether and when to try again. */
export interface Failure {
  readonly code: LlmErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly status?: number;
  /** From `retry-after` / `retry-after-ms`, when the server sent one. */
  readonly retryAfterMs?: number;
}

/** The parts of an SDK `APIError` the classification needs (both SDKs have them). */
export interface ApiFailure {
  /** Undefined for an error event inside a 200 stream. */
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  /** `error.type` from the body (`rate_limit_error`, `server_error`, ...). */
  readonly errorType: string | null | undefined;
  /** `error.message` from the body. */
  readonly apiMessage: string | null | undefined;
}

/** Who is being called, for messages a user can act on. */
export interface FailureContext {
  readonly provider: string;
  /** Where the key comes from, named in an auth failure (`model.api_key or ANTHROPIC_API_KEY`). */
  readonly keySource: string;
}

const TYPE_CODES: Readonly<Record<string, { code: LlmErrorCode; retryable: boolean }>> = {
  overloaded_error: { code: 'overloaded', retryable: true },
  rate_limit_error: { code: 'rate_limited', retryable: true },
  api_error: { code: 'server', retryable: true },
  server_error: { code: 'server', retryable: true },
  timeout_error: { code: 'timeout', retryable: true },
  invalid_request_error: { code: 'bad_request', retryable: false },
  authentication_error: { code: 'auth', retryable: false },
  permission_error: { code: 'auth', retryable: false },
};

function byStatus(status: number): { code: LlmErrorCode; retryable: boolean } {
  if (status === 401 || status === 403) return { code: 'auth', retryable: false };
  if (status === 429) return { code: 'rate_limited', retryable: true };
  if (status === 529 || status === 503) return { code: 'overloaded', retryable: true };
  if (status === 408) return { code: 'timeout', retryable: true };
  if (status === 409 || status >= 500) return { code: 'server', retryable: true };
  return { code: 'bad_request', retryable: false };
}

/** Classifies an HTTP error response or an in-stream error event. */
export function classifyApiFailure(
  failure: ApiFailure,
  ctx: FailureContext,
  retryAfter: number | undefined,
): Failure {
  const { status, errorType } = failure;
  const base =
    status !== undefined
      ? byStatus(status)
      : (TYPE_CODES[errorType ?? ''] ?? { code: 'server' as const, retryable: false });
  // The server's own verdict wins, as both SDKs do it.
  const should = failure.headers?.get('x-should-retry');
  const retryable = should === 'true' ? true : should === 'false' ? false : base.retryable;
  // An auth failure message is ours: a provider may echo part of the key in its own.
  const message =
    base.code === 'auth'
      ? `${ctx.provider} rejected the API key${status === undefined ? '' : ` (HTTP ${status})`}: check ${ctx.keySource}`
      : `${ctx.provider} ${status === undefined ? 'stream error' : `HTTP ${status}`}${errorType ? ` ${errorType}` : ''}${failure.apiMessage ? `: ${failure.apiMessage}` : ''}`;
  return {
    code: base.code,
    message,
    retryable,
    ...(status === undefined ? {} : { status }),
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
  };
}

function causeCode(err: Error): string | undefined {
  const cause: unknown = err.cause;
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') {
    return cause.code;
  }
  return undefined;
}

/**
 * Classifies everything that is not an HTTP error: our protocol checks, the SDKs' JSON
 * parse failures, and a connection that dropped mid-body (undici's `terminated`).
 */
export function classifyStreamError(err: unknown, ctx: FailureContext): Failure {
  if (err instanceof StreamProtocolError) {
    return {
      code: err.code,
      message: `${ctx.provider}: ${err.message}`,
      retryable: err.code === 'truncated_stream',
    };
  }
  if (err instanceof SyntaxError) {
    return {
      code: 'malformed_stream',
      message: `${ctx.provider}: stream event is not valid JSON (${err.message})`,
      retryable: false,
    };
  }
  if (err instanceof Error) {
    const detail = causeCode(err);
    return {
      code: 'connection',
      message: `${ctx.provider}: connection failed: ${err.message}${detail === undefined ? '' : ` (${detail})`}`,
      retryable: true,
    };
  }
  return { code: 'connection', message: `${ctx.provider}: stream failed: ${String(err)}`, retryable: false };
}

/** The terminal `error` event for a failure. */
export function errorEvent(failure: Failure, attempts: number, retryAfterMs?: number): ErrorEvent {
  const suffix = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return {
    type: 'error',
    code: failure.code,
    message: `${failure.message}${suffix}`,
    retryable: failure.retryable,
    ...(failure.status === undefined ? {} : { status: failure.status }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}
