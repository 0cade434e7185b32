import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { LlmMessage, LlmRequest } from './types.js';

/** How the output limit is named: OpenAI's own API wants `max_completion_tokens`. */
export type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

/**
 * The neutral history as chat-completion messages: the system prompt first, an assistant
 * turn with `tool_calls` (arguments as JSON text), and one `tool` message per result.
 */
export function toOpenAiMessages(
  system: string | undefined,
  messages: readonly LlmMessage[],
): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (system !== undefined && system !== '') out.push({ role: 'system', content: system });
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        out.push({ role: 'user', content: message.content });
        break;
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) {
          out.push({ role: 'assistant', content: message.content });
          break;
        }
        out.push({
          role: 'assistant',
          content: message.content === '' ? null : message.content,
          tool_calls: calls.map((call) => ({
            id: call.id,
            type: 'function' as const,
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          })),
        });
        break;
      }
      case 'tool_results':
        for (const result of message.results) {
          out.push({ role: 'tool', tool_call_id: result.toolCallId, content: result.content });
        }
        break;
    }
  }
  return out;
}

/** The streaming chat-completions request for `request`, asking for the usage chunk. */
export function toOpenAiParams(
  request: LlmRequest,
  model: string,
  maxTokens: number,
  maxTokensField: MaxTokensField,
): ChatCompletionCreateParamsStreaming {
  const tools: ChatCompletionTool[] | undefined = request.tools?.map((t) => ({
    type: 'function' as const,
    function: { name: t.name, description: t.description, parameters: { ...t.inputSchema } },
  }));
  const limit = request.maxTokens ?? maxTokens;
  return {
    model,
    messages: toOpenAiMessages(request.system, request.messages),
    stream: true,
    stream_options: { include_usage: true },
    ...(maxTokensField === 'max_completion_tokens'
      ? { max_completion_tokens: limit }
      : { max_tokens: limit }),
    ...(tools !== undefined && tools.length > 0 ? { tools } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  };
}
