import { wireId } from './ids.js';
import { checkOpenAiRequest } from './openai-check.js';
import type { AcceptedRequest, WireError, WireProtocol } from './protocol.js';
import type { ResolvedTurn, ScriptedStopReason } from './script.js';
import type { SseFrame } from './sse.js';

const FINISH_REASONS: Readonly<Record<ScriptedStopReason, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
};

// `type` and `code` per HTTP status, as the OpenAI API sends them.
const ERRORS: Readonly<Record<number, { type: string; code: string | null; message: string }>> = {
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests' },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later',
  },
};

function errorBody(message: string, type: string, param: string | null, code: string | null): unknown {
  return { error: { message, type, param, code } };
}

function usageOf(turn: ResolvedTurn): Record<string, unknown> {
  // OpenAI's prompt_tokens include cached tokens; cached_tokens says how many were cached.
  const prompt = turn.usage.inputTokens + turn.usage.cacheReadTokens + turn.usage.cacheWriteTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: turn.usage.outputTokens,
    total_tokens: prompt + turn.usage.outputTokens,
    prompt_tokens_details: { cached_tokens: turn.usage.cacheReadTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/**
 * The chunks of a streamed chat completion: a role chunk, `delta.content` pieces, per tool
 * call a first chunk with `index`, `id`, `type` and `function.name` then `arguments`
 * fragments by `index`, a chunk with `finish_reason`, the usage chunk (empty `choices`)
 * when `stream_options.include_usage` is set, and `data: [DONE]`.
 */
function openAiFrames(turn: ResolvedTurn, request: AcceptedRequest): SseFrame[] {
  const id = wireId('chatcmpl-');
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): SseFrame => ({
    data: JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: request.model,
      system_fingerprint: 'fp_testkit',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(request.includeUsage ? { usage: null } : {}),
    }),
  });
  const frames: SseFrame[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const content of turn.textDeltas) frames.push(chunk({ content }));
  turn.toolCalls.forEach((call, index) => {
    frames.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
      }),
    );
    for (const args of call.argumentDeltas) {
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: args } }] }));
    }
  });
  frames.push(chunk({}, FINISH_REASONS[turn.stopReason]));
  if (request.includeUsage) {
    frames.push({
      data: JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: request.model,
        system_fingerprint: 'fp_testkit',
        choices: [],
        usage: usageOf(turn),
      }),
    });
  }
  frames.push({ data: '[DONE]' });
  return frames;
}

function openAiJson(turn: ResolvedTurn, request: AcceptedRequest): unknown {
  const text = turn.textDeltas.join('');
  const toolCalls = turn.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.argumentsText },
  }));
  return {
    id: wireId('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    system_fingerprint: 'fp_testkit',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: FINISH_REASONS[turn.stopReason],
      },
    ],
    usage: usageOf(turn),
  };
}

/** OpenAI's chat completions (`POST /v1/chat/completions`), also spoken by Ollama, vLLM, llama.cpp and Z.ai. */
export const openAiWire: WireProtocol = {
  name: 'openai',
  newToolCallId: () => wireId('call_'),
  check: checkOpenAiRequest,
  httpError(status: number, message?: string): WireError {
    const known = ERRORS[status] ?? { type: 'server_error', code: null, message: `HTTP ${status}` };
    return { status, body: errorBody(message ?? known.message, known.type, null, known.code) };
  },
  unauthorized(presented: boolean): WireError {
    // The real API echoes a masked key; this server never echoes any part of it.
    return {
      status: 401,
      body: presented
        ? errorBody(
            'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
            'invalid_request_error',
            null,
            'invalid_api_key',
          )
        : errorBody(
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            'invalid_request_error',
            null,
            null,
          ),
    };
  },
  notFound(path: string): WireError {
    return {
      status: 404,
      body: errorBody(`Invalid URL (POST ${path})`, 'invalid_request_error', null, null),
    };
  },
  frames: openAiFrames,
  json: openAiJson,
  faultFrames: {
    malformed: {
      data: '{"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"',
    },
    error: (fault) => ({
      data: JSON.stringify({
        error: {
          message: fault.message ?? 'The server had an error while processing your request.',
          type: fault.errorType ?? 'server_error',
          param: null,
          code: null,
        },
      }),
    }),
  },
};
