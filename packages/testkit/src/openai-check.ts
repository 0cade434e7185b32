import { z } from 'zod';
import type { AcceptedRequest, RejectedRequest } from './protocol.js';

// The subset of the chat-completions request that Astrid sends, checked the way the real
// API checks it: message shapes and the pairing of tool_calls with tool messages.
const ToolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const ContentPart = z.object({ type: z.string() }).loose();
const Content = z.union([z.string(), z.array(ContentPart)]);

const Message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: Content }).loose(),
  z.object({ role: z.literal('developer'), content: Content }).loose(),
  z.object({ role: z.literal('user'), content: Content }).loose(),
  z
    .object({
      role: z.literal('assistant'),
      content: Content.nullable().optional(),
      tool_calls: z.array(ToolCall).optional(),
    })
    .loose(),
  z.object({ role: z.literal('tool'), tool_call_id: z.string().min(1), content: Content }).loose(),
]);

const Tool = z.object({
  type: z.literal('function'),
  function: z
    .object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool name must match ^[a-zA-Z0-9_-]{1,64}$'),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
    })
    .loose(),
});

const Body = z
  .object({
    model: z.string().min(1),
    messages: z.array(Message).min(1),
    tools: z.array(Tool).optional(),
    max_tokens: z.number().int().min(1).optional(),
    max_completion_tokens: z.number().int().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
  })
  .loose();

type ParsedMessage = z.infer<typeof Message>;

function pairingIssue(messages: readonly ParsedMessage[]): RejectedRequest | undefined {
  let open: Set<string> | undefined; // tool_call ids still awaiting a tool message
  let openAt = -1;
  for (const [i, m] of messages.entries()) {
    if (m.role === 'tool') {
      if (open === undefined || !open.has(m.tool_call_id)) {
        return {
          message:
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${i}].role`,
        };
      }
      open.delete(m.tool_call_id);
      continue;
    }
    if (open !== undefined && open.size > 0) {
      return {
        message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`,
        param: `messages.[${openAt}].role`,
      };
    }
    open = undefined;
    if (m.role === 'assistant' && m.tool_calls !== undefined && m.tool_calls.length > 0) {
      open = new Set(m.tool_calls.map((c) => c.id));
      openAt = i;
    }
  }
  return undefined;
}

/** Checks a chat-completions request body the way the real API does (for the fields Astrid uses). */
export function checkOpenAiRequest(body: unknown): AcceptedRequest | RejectedRequest {
  const parsed = Body.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') ?? '';
    return { message: `Invalid value for '${param}': ${issue?.message ?? 'invalid request'}`, param };
  }
  const { stream, stream_options: options } = parsed.data;
  if (options != null && stream !== true) {
    return {
      message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      param: 'stream_options',
    };
  }
  const pairing = pairingIssue(parsed.data.messages);
  if (pairing !== undefined) return pairing;
  return {
    model: parsed.data.model,
    stream: stream === true,
    includeUsage: stream !== true || options?.include_usage === true,
  };
}
