import { checkAnthropicRequest } from './anthropic-check.js';
import { wireId } from './ids.js';
import type { AcceptedRequest, WireError, WireProtocol } from './protocol.js';
import type { ResolvedTurn } from './script.js';
import type { SseFrame } from './sse.js';

// Error `type` per HTTP status, as documented for the Messages API.
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
  timeout_error: 'Request timed out',
};

function errorBody(type: string, message: string): unknown {
  return { type: 'error', error: { type, message }, request_id: wireId('req_') };
}

function usageOf(turn: ResolvedTurn): Record<string, number> {
  return {
    input_tokens: turn.usage.inputTokens,
    cache_creation_input_tokens: turn.usage.cacheWriteTokens,
    cache_read_input_tokens: turn.usage.cacheReadTokens,
    output_tokens: turn.usage.outputTokens,
  };
}

function frame(type: string, payload: Record<string, unknown>): SseFrame {
  return { event: type, data: JSON.stringify({ type, ...payload }) };
}

/**
 * The event sequence of a streamed Messages API reply: `message_start`, a `ping`, one
 * content block per text and tool call (`content_block_start` / `_delta` / `_stop`, tool
 * input as `input_json_delta` fragments after an empty first one), then `message_delta`
 * with the stop reason and cumulative usage, and `message_stop`.
 */
function anthropicFrames(turn: ResolvedTurn, request: AcceptedRequest): SseFrame[] {
  const frames: SseFrame[] = [];
  frames.push(
    frame('message_start', {
      message: {
        id: wireId('msg_'),
        type: 'message',
        role: 'assistant',
        model: request.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usageOf(turn), output_tokens: 1 },
      },
    }),
  );
  let index = 0;
  let pinged = false;
  const pingOnce = () => {
    if (!pinged) frames.push(frame('ping', {}));
    pinged = true;
  };
  if (turn.textDeltas.length > 0) {
    frames.push(frame('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    pingOnce();
    for (const text of turn.textDeltas) {
      frames.push(frame('content_block_delta', { index, delta: { type: 'text_delta', text } }));
    }
    frames.push(frame('content_block_stop', { index }));
    index++;
  }
  for (const call of turn.toolCalls) {
    frames.push(
      frame('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      }),
    );
    pingOnce();
    for (const partial_json of ['', ...call.argumentDeltas]) {
      frames.push(frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }));
    }
    frames.push(frame('content_block_stop', { index }));
    index++;
  }
  pingOnce();
  frames.push(
    frame('message_delta', {
      delta: { stop_reason: turn.stopReason, stop_sequence: null },
      usage: usageOf(turn),
    }),
  );
  frames.push(frame('message_stop', {}));
  return frames;
}

function anthropicJson(turn: ResolvedTurn, request: AcceptedRequest): unknown {
  const content: unknown[] = [];
  const text = turn.textDeltas.join('');
  if (text !== '') content.push({ type: 'text', text });
  for (const call of turn.toolCalls) {
    // A non-streamed reply carries parsed input; invalid scripted JSON is sent as a string.
    let input: unknown;
    try {
      input = call.argumentsText === '' ? {} : JSON.parse(call.argumentsText);
    } catch {
      input = call.argumentsText;
    }
    content.push({ type: 'tool_use', id: call.id, name: call.name, input });
  }
  return {
    id: wireId('msg_'),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: turn.stopReason,
    stop_sequence: null,
    usage: usageOf(turn),
  };
}

/** Anthropic's Messages API (`POST /v1/messages`). */
export const anthropicWire: WireProtocol = {
  name: 'anthropic',
  newToolCallId: () => wireId('toolu_'),
  check: checkAnthropicRequest,
  httpError(status: number, message?: string): WireError {
    const type = ERROR_TYPES[status] ?? 'api_error';
    return { status, body: errorBody(type, message ?? DEFAULT_MESSAGES[type] ?? 'Error') };
  },
  unauthorized(presented: boolean): WireError {
    return {
      status: 401,
      body: errorBody(
        'authentication_error',
        presented ? 'invalid x-api-key' : 'x-api-key header is required',
      ),
    };
  },
  notFound(path: string): WireError {
    return { status: 404, body: errorBody('not_found_error', `Not found: ${path}`) };
  },
  frames: anthropicFrames,
  json: anthropicJson,
  faultFrames: {
    // Cut mid-object: what a proxy that truncates or corrupts a chunk produces.
    malformed: {
      event: 'content_block_delta',
      data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_de',
    },
    error: (fault) => {
      const type = fault.errorType ?? 'overloaded_error';
      return {
        event: 'error',
        data: JSON.stringify({
          type: 'error',
          error: { type, message: fault.message ?? DEFAULT_MESSAGES[type] ?? 'Error' },
        }),
      };
    },
  },
};
