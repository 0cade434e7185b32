import { describe, expect, it } from 'vitest';
import { classifyApiFailure } from '../src/errors.js';
import { DEFAULT_RETRY_POLICY, retryAfterMs } from '../src/index.js';
import { abortableSleep, backoffMs } from '../src/retry.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const headers = (h: Record<string, string>) => new Headers(h);

describe('retryAfterMs', () => {
  it('reads seconds, fractional seconds, retry-after-ms and HTTP dates', () => {
    expect(retryAfterMs(headers({ 'retry-after': '3' }), () => NOW)).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after': '0.25' }), () => NOW)).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after': '0' }), () => NOW)).toBe(0);
    expect(retryAfterMs(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), () => NOW)).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after': 'Tue, 01 Jan 2030 00:00:10 GMT' }), () => NOW)).toBe(10_000);
    expect(retryAfterMs(headers({ 'retry-after': 'Mon, 31 Dec 2029 23:00:00 GMT' }), () => NOW)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(retryAfterMs(undefined, () => NOW)).toBeUndefined();
    expect(retryAfterMs(headers({}), () => NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }), () => NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': '-5' }), () => NOW)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles from 500 ms up to 8 s, with up to 25 % jitter taken off', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffMs(a, DEFAULT_RETRY_POLICY, () => 0))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000,
    ]);
    expect(backoffMs(0, DEFAULT_RETRY_POLICY, () => 1)).toBe(375);
  });

  it('abortableSleep rejects when the signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await expect(abortableSleep(1, undefined)).resolves.toBeUndefined();
  });
});

describe('classifyApiFailure', () => {
  const ctx = { provider: 'anthropic', keySource: 'model.api_key or ANTHROPIC_API_KEY' };
  const failure = (
    status: number | undefined,
    extra: Record<string, string> = {},
    errorType: string | null = null,
  ) => ({
    status,
    headers: headers(extra),
    errorType,
    apiMessage: 'msg',
  });

  it.each([
    [401, 'auth', false],
    [403, 'auth', false],
    [400, 'bad_request', false],
    [404, 'bad_request', false],
    [408, 'timeout', true],
    [409, 'server', true],
    [429, 'rate_limited', true],
    [500, 'server', true],
    [502, 'server', true],
    [503, 'overloaded', true],
    [529, 'overloaded', true],
  ] as const)('HTTP %i is %s (retryable: %s)', (status, code, retryable) => {
    expect(classifyApiFailure(failure(status), ctx, undefined)).toMatchObject({ code, retryable, status });
  });

  it('x-should-retry overrides the status', () => {
    expect(classifyApiFailure(failure(500, { 'x-should-retry': 'false' }), ctx, undefined).retryable).toBe(
      false,
    );
    expect(classifyApiFailure(failure(400, { 'x-should-retry': 'true' }), ctx, undefined).retryable).toBe(
      true,
    );
  });

  it('in-stream errors are classified by type', () => {
    expect(classifyApiFailure(failure(undefined, {}, 'overloaded_error'), ctx, undefined)).toMatchObject({
      code: 'overloaded',
      retryable: true,
    });
    expect(classifyApiFailure(failure(undefined, {}, 'invalid_request_error'), ctx, undefined)).toMatchObject(
      {
        code: 'bad_request',
        retryable: false,
      },
    );
    expect(classifyApiFailure(failure(undefined, {}, 'mystery'), ctx, undefined)).toMatchObject({
      code: 'server',
      retryable: false,
    });
  });

  it('an auth message never repeats the provider text (which may echo the key)', () => {
    const f = { ...failure(401), apiMessage: 'Incorrect API key provided: sk-abc***xyz' };
    const message = classifyApiFailure(f, ctx, undefined).message;
    expect(message).toBe(
      'anthropic rejected the API key (HTTP 401): check model.api_key or ANTHROPIC_API_KEY',
    );
  });
});
