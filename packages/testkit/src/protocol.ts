import type { ResolvedTurn } from './script.js';
import type { FaultFrames, SseFrame } from './sse.js';

/** The two wire protocols the server speaks. */
export type ProtocolName = 'anthropic' | 'openai';

/** What the server needs from a valid request body. */
export interface AcceptedRequest {
  readonly model: string;
  readonly stream: boolean;
  /** OpenAI's `stream_options.include_usage`; always true for Anthropic. */
  readonly includeUsage: boolean;
}

/** A request body the real API would refuse, with its message. */
export interface RejectedRequest {
  readonly message: string;
  readonly param?: string;
}

/** An HTTP error response in the provider's own shape. */
export interface WireError {
  readonly status: number;
  readonly body: unknown;
}

/** One provider's wire format: request checks, reply encoding, error bodies. */
export interface WireProtocol {
  readonly name: ProtocolName;
  newToolCallId(): string;
  check(body: unknown): AcceptedRequest | RejectedRequest;
  /** The error body for `status` (429, 500, 529, ...) as the real API sends it. */
  httpError(status: number, message?: string): WireError;
  /** The 401 for a missing (`presented` false) or wrong key. */
  unauthorized(presented: boolean): WireError;
  notFound(path: string): WireError;
  frames(turn: ResolvedTurn, request: AcceptedRequest): SseFrame[];
  json(turn: ResolvedTurn, request: AcceptedRequest): unknown;
  readonly faultFrames: FaultFrames;
}

/** Narrows a `check` result. */
export function isRejected(result: AcceptedRequest | RejectedRequest): result is RejectedRequest {
  return 'message' in result;
}
