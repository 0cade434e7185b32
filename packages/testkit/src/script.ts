/** Token counts a scripted turn reports (mapped to each provider's usage fields). */
export interface ScriptedUsage {
  /** Input tokens billed at the normal rate (excluding cache reads and writes). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
}

/** A tool call the scripted model makes. */
export interface ScriptedToolCall {
  /** Defaults to a fresh `toolu_…` (Anthropic) or `call_…` (OpenAI) id. */
  readonly id?: string;
  readonly name: string;
  /** An object is sent as its JSON text; a string is sent verbatim (e.g. invalid JSON). */
  readonly arguments: Readonly<Record<string, unknown>> | string;
}

/** Why the scripted turn stops, in Anthropic's words (mapped to OpenAI's `finish_reason`). */
export type ScriptedStopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence';

/**
 * An HTTP failure answered instead of the turn. The turn stays queued, so the next request
 * gets the next fault or, when none is left, the turn itself.
 */
export interface HttpFault {
  /** 429, 500, 529 (Anthropic's "overloaded"), 503, ... */
  readonly status: number;
  /** Sent as the `retry-after` header, in seconds. */
  readonly retryAfterSeconds?: number;
  readonly message?: string;
}

/**
 * A fault inside a 200 response. `afterEvents` counts the SSE events written before it
 * (pings and OpenAI's `[DONE]` included).
 * - `malformed`: an event whose data is not valid JSON, then the rest of the stream.
 * - `disconnect`: the socket is destroyed.
 * - `stall`: nothing more is written and the response never ends.
 * - `error_event`: the provider's in-stream error (Anthropic `event: error`, OpenAI a
 *   chunk with an `error` object), then the response ends.
 */
export type StreamFault =
  | { readonly kind: 'malformed'; readonly afterEvents: number }
  | { readonly kind: 'disconnect'; readonly afterEvents: number }
  | { readonly kind: 'stall'; readonly afterEvents: number }
  | {
      readonly kind: 'error_event';
      readonly afterEvents: number;
      /** Anthropic error type (default `overloaded_error`); OpenAI gets it as `type`. */
      readonly errorType?: string;
      readonly message?: string;
    };

/** One scripted model reply, served to whichever protocol asks next. */
export interface ScriptedTurn {
  /** A string is split into `chunks` deltas; an array is sent one delta per element. */
  readonly text?: string | readonly string[];
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Default: 10 input and 5 output tokens, no cache. */
  readonly usage?: ScriptedUsage;
  /** Default: `tool_use` when there are tool calls, else `end_turn`. */
  readonly stopReason?: ScriptedStopReason;
  readonly httpFaults?: readonly HttpFault[];
  readonly streamFault?: StreamFault;
  /** Delay before each SSE event, overriding the server's default. */
  readonly latencyMs?: number;
  /** How many deltas a string `text` and each tool call's arguments are split into (default 3). */
  readonly chunks?: number;
}

const DEFAULT_USAGE: Required<ScriptedUsage> = {
  inputTokens: 10,
  outputTokens: 5,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
};

/** A turn with every default filled in, as the wire encoders use it. */
export interface ResolvedTurn {
  readonly textDeltas: readonly string[];
  readonly toolCalls: readonly {
    readonly id: string;
    readonly name: string;
    readonly argumentDeltas: readonly string[];
    readonly argumentsText: string;
  }[];
  readonly usage: Required<ScriptedUsage>;
  readonly stopReason: ScriptedStopReason;
}

/** Splits `text` into `parts` pieces of near-equal length (never empty pieces, at least one). */
export function splitText(text: string, parts: number): string[] {
  if (text.length === 0) return [''];
  const n = Math.max(1, Math.min(parts, text.length));
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Fills a turn's defaults; `newId` makes the provider-specific tool call ids. */
export function resolveTurn(turn: ScriptedTurn, newId: () => string): ResolvedTurn {
  const chunks = turn.chunks ?? 3;
  const text = turn.text;
  const textDeltas = text === undefined ? [] : typeof text === 'string' ? splitText(text, chunks) : [...text];
  const toolCalls = (turn.toolCalls ?? []).map((call) => {
    const argumentsText =
      typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    return {
      id: call.id ?? newId(),
      name: call.name,
      argumentsText,
      argumentDeltas: argumentsText === '' ? [] : splitText(argumentsText, chunks),
    };
  });
  return {
    textDeltas,
    toolCalls,
    usage: { ...DEFAULT_USAGE, ...turn.usage },
    stopReason: turn.stopReason ?? (toolCalls.length > 0 ? 'tool_use' : 'end_turn'),
  };
}
