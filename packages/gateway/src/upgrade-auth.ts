import type { IncomingHttpHeaders } from 'node:http';
import { RPC_PATH } from '@astrid/core';
import { constantTimeEqual } from '@astrid/crypto';

/** Why an upgrade request is refused: the HTTP status sent before the socket is destroyed. */
export interface UpgradeRefusal {
  readonly status: 401 | 403 | 404 | 400;
  readonly reason: string;
}

/** What the upgrade check needs. */
export interface UpgradePolicy {
  /** The bearer token of this daemon run (from daemon.json). */
  readonly token: string;
  /** Origins allowed to connect (exact `scheme://host[:port]`); none by default. */
  readonly allowedOrigins: readonly string[];
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/;

/**
 * Decides whether a WebSocket upgrade may complete. Checked before `handleUpgrade`, so a
 * refused client never gets a WebSocket: the wrong path is 404; a missing or malformed
 * `Authorization` is 401 and a wrong token 401 (compared in constant time, so the token
 * cannot be guessed byte by byte); an `Origin` header not on the allow list is 403: a web
 * page the user visits could otherwise drive the daemon from their browser (browsers send
 * `Origin` on every WebSocket handshake and let pages pick any URL, loopback included).
 */
export function checkUpgrade(
  url: string | undefined,
  headers: IncomingHttpHeaders,
  policy: UpgradePolicy,
): UpgradeRefusal | undefined {
  const path = (url ?? '').split('?')[0];
  if (path !== RPC_PATH) return { status: 404, reason: `only ${RPC_PATH} is served` };
  const origin = headers.origin;
  if (origin !== undefined && !policy.allowedOrigins.includes(origin)) {
    return { status: 403, reason: 'origin not allowed' };
  }
  const auth = headers.authorization;
  if (auth === undefined) return { status: 401, reason: 'missing bearer token' };
  const match = BEARER.exec(auth);
  if (match === null) return { status: 401, reason: 'malformed Authorization header' };
  if (!constantTimeEqual(match[1] as string, policy.token)) return { status: 401, reason: 'invalid token' };
  return undefined;
}

/** The raw HTTP response a refused upgrade gets before its socket is destroyed. */
export function refusalResponse(refusal: UpgradeRefusal): string {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[
    refusal.status
  ];
  const body = `${refusal.reason}\n`;
  return (
    `HTTP/1.1 ${refusal.status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
