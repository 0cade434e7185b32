import type {
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { LlmMessage, LlmRequest } from './types.js';

function blocksOf(message: LlmMessage): { role: 'user' | 'assistant'; blocks: ContentBlockParam[] } {
  switch (message.role) {
    case 'user':
      return { role: 'user', blocks: [{ type: 'text', text: message.content }] };
    case 'assistant': {
      // The API rejects empty text blocks, so a tool-only turn has none.
      const blocks: ContentBlockParam[] =
        message.content === '' ? [] : [{ type: 'text', text: message.content }];
      for (const call of message.toolCalls ?? []) {
        blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments });
      }
      return { role: 'assistant', blocks };
    }
    case 'tool_results':
      return {
        role: 'user',
        blocks: message.results.map((r) => ({
          type: 'tool_result' as const,
          tool_use_id: r.toolCallId,
          content: r.content,
          ...(r.isError === true ? { is_error: true } : {}),
        })),
      };
  }
}

/**
 * The neutral history as Messages API turns. Tool results travel in a user turn, and
 * consecutive turns of one role are merged (tool results followed by a user message
 * become one user turn, results first, as the API requires).
 */
export function toAnthropicMessages(messages: readonly LlmMessage[]): MessageParam[] {
  const out: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  for (const message of messages) {
    const { role, blocks } = blocksOf(message);
    if (blocks.length === 0) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  // A lone text block is sent as a plain string: the shape every client sends.
  return out.map((m) => {
    const only = m.content[0];
    return m.content.length === 1 && only?.type === 'text' ? { role: m.role, content: only.text } : m;
  });
}

/** The streaming Messages API request for `request`. */
export function toAnthropicParams(
  request: LlmRequest,
  model: string,
  maxTokens: number,
): MessageCreateParamsStreaming {
  const tools: Tool[] | undefined = request.tools?.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: { ...t.inputSchema, type: 'object' },
  }));
  return {
    model,
    max_tokens: request.maxTokens ?? maxTokens,
    messages: toAnthropicMessages(request.messages),
    stream: true,
    ...(request.system !== undefined && request.system !== '' ? { system: request.system } : {}),
    ...(tools !== undefined && tools.length > 0 ? { tools } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  };
}
