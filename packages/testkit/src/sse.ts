import type { ServerResponse } from 'node:http';
import type { StreamFault } from './script.js';

/** One server-sent event: an optional `event:` name and its `data:` line. */
export interface SseFrame {
  readonly event?: string;
  readonly data: string;
}

/** How a response ended, as the server saw it. */
export type ResponseOutcome =
  | 'completed'
  | 'client_closed'
  | 'disconnected'
  | 'error_event'
  | 'http_error'
  | 'rejected';

/** What a protocol supplies for the stream faults: its malformed event and its in-stream error. */
export interface FaultFrames {
  readonly malformed: SseFrame;
  error(fault: Extract<StreamFault, { kind: 'error_event' }>): SseFrame;
}

function encode(frame: SseFrame): string {
  return frame.event === undefined
    ? `data: ${frame.data}\n\n`
    : `event: ${frame.event}\ndata: ${frame.data}\n\n`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when the response's connection closes (at once if it already has). */
export function whenClosed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

// Waiting for each write's callback keeps backpressure honest and guarantees the bytes
// left the process before a `disconnect` fault destroys the socket.
// A write to a connection the client dropped may never call back, hence the race.
function writeFrame(res: ServerResponse, frame: SseFrame, closed: Promise<void>): Promise<void> {
  const written = new Promise<void>((resolve) => {
    res.write(encode(frame), () => resolve());
  });
  return Promise.race([written, closed]);
}

/**
 * Streams `frames` as `text/event-stream`, waiting `latencyMs` before each, and applies
 * `fault` after `fault.afterEvents` events. Stops early when the client goes away.
 */
export async function writeSse(
  res: ServerResponse,
  frames: readonly SseFrame[],
  latencyMs: number,
  fault: StreamFault | undefined,
  faultFrames: FaultFrames,
): Promise<ResponseOutcome> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
  let gone = false;
  const closed = whenClosed(res).then(() => {
    gone = true;
  });
  for (let i = 0; i <= frames.length; i++) {
    if (fault !== undefined && fault.afterEvents === i) {
      switch (fault.kind) {
        case 'malformed':
          await writeFrame(res, faultFrames.malformed, closed);
          break;
        case 'disconnect':
          res.socket?.destroy();
          return 'disconnected';
        case 'stall':
          // Nothing more is written; the response ends when the client (or close()) drops it.
          await closed;
          return 'client_closed';
        case 'error_event':
          await writeFrame(res, faultFrames.error(fault), closed);
          res.end();
          return 'error_event';
      }
    }
    const frame = frames[i];
    if (frame === undefined) break;
    if (latencyMs > 0) await delay(latencyMs);
    if (gone) return 'client_closed';
    await writeFrame(res, frame, closed);
  }
  if (gone) return 'client_closed';
  await new Promise<void>((resolve) => res.end(() => resolve()));
  return 'completed';
}
