import type { JsonObject, LlmUsage } from '@astrid/core';

// Shared with frontends (usage events), so defined in core.
export type { JsonObject, LlmUsage };

/** A tool the model may call: its name, what it does, and its input as a JSON schema. */
export interface LlmToolDefinition {
  /** `^[a-zA-Z0-9_-]{1,64}$`, the rule both APIs share. */
  readonly name: string;
  readonly description: string;
  /** A JSON schema with `type: "object"`. */
  readonly inputSchema: JsonObject;
}

/** A tool call the model made, as kept in the history. */
export interface LlmToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: JsonObject;
}

/** The result of one tool call, sent back to the model. */
export interface LlmToolResult {
  readonly toolCallId: string;
  readonly content: string;
  /** Anthropic gets `is_error: true`; OpenAI has no such flag, so the content must say it. */
  readonly isError?: boolean;
}

/** A user turn: plain text. */
export interface LlmUserMessage {
  readonly role: 'user';
  readonly content: string;
}

/** A model turn: its text (may be empty) and the tool calls it made. */
export interface LlmAssistantMessage {
  readonly role: 'assistant';
  readonly content: string;
  readonly toolCalls?: readonly LlmToolCall[];
}

/** The results of the previous assistant turn's tool calls. */
export interface LlmToolResultsMessage {
  readonly role: 'tool_results';
  readonly results: readonly LlmToolResult[];
}

/** One entry of the conversation, in Astrid's provider-neutral form. */
export type LlmMessage = LlmUserMessage | LlmAssistantMessage | LlmToolResultsMessage;

/** One model call. */
export interface LlmRequest {
  readonly system?: string;
  readonly messages: readonly LlmMessage[];
  readonly tools?: readonly LlmToolDefinition[];
  /** Default: the `[model] max_tokens` the provider was created with. */
  readonly maxTokens?: number;
  readonly temperature?: number;
}

/** Why the model stopped. `cancelled`: the caller's AbortSignal fired. */
export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'refusal'
  | 'pause_turn'
  | 'content_filter'
  | 'cancelled'
  | 'other';

/** Why a stream failed. */
export type LlmErrorCode =
  /** 401/403: the key is missing, wrong or lacks permission. */
  | 'auth'
  /** 429. */
  | 'rate_limited'
  /** 529, 503 or an `overloaded_error` event. */
  | 'overloaded'
  /** Other 5xx, or a provider error event. */
  | 'server'
  /** 400, 404, 413, 422: the request itself was refused. */
  | 'bad_request'
  /** No connection, or it dropped before or during the stream. */
  | 'connection'
  /** No data for `idleTimeoutMs`. */
  | 'timeout'
  /** An event that is not valid JSON or not the documented shape. */
  | 'malformed_stream'
  /** The stream ended before its final event. */
  | 'truncated_stream';

/** A streamed piece of reply text. */
export interface TextDeltaEvent {
  readonly type: 'text_delta';
  readonly text: string;
}

/** A tool call begins; its arguments follow as deltas. */
export interface ToolCallStartEvent {
  readonly type: 'tool_call_start';
  readonly id: string;
  readonly name: string;
}

/** A fragment of a tool call's JSON arguments, in order. */
export interface ToolCallDeltaEvent {
  readonly type: 'tool_call_delta';
  readonly id: string;
  readonly argumentsDelta: string;
}

/**
 * A tool call is complete. `arguments` is the parsed JSON object. When the model's text
 * is not a JSON object, `arguments` is `{}` and `parseError` says why, with the text in
 * `rawArguments`: the model made a mistake, which the runtime returns to it as a failed
 * tool result; the stream itself goes on.
 */
export interface ToolCallEndEvent {
  readonly type: 'tool_call_end';
  readonly id: string;
  readonly name: string;
  readonly arguments: JsonObject;
  readonly rawArguments: string;
  readonly parseError?: string;
}

/** Token usage as the provider reported it; sent once, before `done` (or before `error` if known). */
export interface UsageEvent extends LlmUsage {
  readonly type: 'usage';
}

/** The stream ended normally (or was cancelled). */
export interface DoneEvent {
  readonly type: 'done';
  readonly stopReason: StopReason;
  /** The provider's raw value (`stop`, `tool_calls`, ...) when it is not literally `stopReason`. */
  readonly providerStopReason?: string;
}

/** The stream failed; nothing follows. */
export interface ErrorEvent {
  readonly type: 'error';
  readonly code: LlmErrorCode;
  readonly message: string;
  /** Whether the same request might succeed later (the retries here are used up). */
  readonly retryable: boolean;
  readonly status?: number;
  /** What the server asked for in `retry-after`, when it was longer than the retry budget. */
  readonly retryAfterMs?: number;
}

/** Everything a provider stream yields. Every stream ends with exactly one `done` or `error`. */
export type LlmEvent =
  | TextDeltaEvent
  | ToolCallStartEvent
  | ToolCallDeltaEvent
  | ToolCallEndEvent
  | UsageEvent
  | DoneEvent
  | ErrorEvent;

/** Per-call options. */
export interface StreamOptions {
  readonly signal?: AbortSignal;
}

/** One LLM backend behind a single streaming interface. */
export interface LlmProvider {
  /** `anthropic`, `openai`, `zai`, `ollama`, `vllm`, `llamacpp` or `openai-compatible`. */
  readonly name: string;
  readonly model: string;
  readonly baseURL: string;
  /**
   * The model's reply as events. Sends nothing until the iterable is first iterated: the
   * runtime builds it while the request is still being authorized.
   */
  stream(request: LlmRequest, options?: StreamOptions): AsyncIterable<LlmEvent>;
}
