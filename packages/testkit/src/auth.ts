import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Which header carried the credential. */
export type AuthScheme = 'x-api-key' | 'bearer' | 'none';

/** The credential a request presented and how. */
export interface PresentedAuth {
  readonly scheme: AuthScheme;
  readonly key: string | undefined;
}

/**
 * Reads the key from `x-api-key` or `Authorization: Bearer`. Anthropic's API takes the
 * first, OpenAI's the second, and the Anthropic SDK sends a Bearer header in some
 * configurations, so a faithful server accepts either.
 */
export function presentedAuth(headers: IncomingHttpHeaders): PresentedAuth {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return { scheme: 'x-api-key', key: apiKey };
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    if (match?.[1] !== undefined) return { scheme: 'bearer', key: match[1].trim() };
  }
  return { scheme: 'none', key: undefined };
}

// Hashing first makes the comparison constant-time in the key's length as well.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** True when `presented` equals `expected`, compared in constant time. */
export function keyMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Headers worth recording: everything except credentials. */
export function recordableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization' || name === 'x-api-key' || name === 'cookie') continue;
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
