import { z } from 'zod';
import type { AcceptedRequest, RejectedRequest } from './protocol.js';

// The subset of the Messages API request that Astrid sends, checked as strictly as the
// real API checks it, so a conversion bug fails here instead of in production.
const TextBlock = z.object({ type: z.literal('text'), text: z.string() }).loose();
const ToolUseBlock = z
  .object({
    type: z.literal('tool_use'),
    id: z.string().min(1),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
  })
  .loose();
const ToolResultBlock = z
  .object({
    type: z.literal('tool_result'),
    tool_use_id: z.string().min(1),
    content: z.union([z.string(), z.array(TextBlock)]).optional(),
    is_error: z.boolean().optional(),
  })
  .loose();
const OtherBlock = z.object({ type: z.string() }).loose();

const Message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(OtherBlock)]),
});

const Tool = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, 'tool name must match ^[a-zA-Z0-9_-]{1,128}$'),
    description: z.string().optional(),
    input_schema: z.object({ type: z.literal('object') }).loose(),
  })
  .loose();

const Body = z
  .object({
    model: z.string().min(1),
    max_tokens: z.number().int().min(1),
    messages: z.array(Message).min(1),
    system: z.union([z.string(), z.array(TextBlock)]).optional(),
    tools: z.array(Tool).optional(),
    temperature: z.number().min(0).max(1).optional(),
    stream: z.boolean().optional(),
  })
  .loose();

type Block = z.infer<typeof OtherBlock>;

function blockIssue(block: Block, where: string): string | undefined {
  const schema =
    block.type === 'text'
      ? TextBlock
      : block.type === 'tool_use'
        ? ToolUseBlock
        : block.type === 'tool_result'
          ? ToolResultBlock
          : undefined;
  if (schema === undefined) return undefined;
  const result = schema.safeParse(block);
  if (!result.success) {
    const issue = result.error.issues[0];
    return `${where}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
  }
  if (block.type === 'text' && block.text === '') return `${where}: text content blocks must be non-empty`;
  return undefined;
}

interface MergedMessage {
  readonly role: 'user' | 'assistant';
  readonly blocks: Block[];
  readonly index: number;
}

// The API merges consecutive turns of the same role before it pairs tool_use with tool_result.
function merge(messages: readonly z.infer<typeof Message>[]): MergedMessage[] {
  const out: MergedMessage[] = [];
  messages.forEach((m, index) => {
    const blocks: Block[] =
      typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : [...m.content];
    const last = out[out.length - 1];
    if (last !== undefined && last.role === m.role) last.blocks.push(...blocks);
    else out.push({ role: m.role, blocks, index });
  });
  return out;
}

function ids(blocks: readonly Block[], type: 'tool_use' | 'tool_result'): string[] {
  const key = type === 'tool_use' ? 'id' : 'tool_use_id';
  return blocks.filter((b) => b.type === type).map((b) => String(b[key]));
}

function pairingIssue(messages: readonly MergedMessage[]): string | undefined {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const previous = messages[i - 1];
    const next = messages[i + 1];
    if (m.role === 'assistant' && next !== undefined) {
      const answered = new Set(ids(next.blocks, 'tool_result'));
      const missing = ids(m.blocks, 'tool_use').filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return `messages.${next.index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
    if (m.role === 'user') {
      const asked = new Set(previous?.role === 'assistant' ? ids(previous.blocks, 'tool_use') : []);
      const unexpected = ids(m.blocks, 'tool_result').filter((id) => !asked.has(id));
      if (unexpected.length > 0) {
        return `messages.${m.index}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
  }
  return undefined;
}

/** Checks a Messages API request body the way the real API does (for the fields Astrid uses). */
export function checkAnthropicRequest(body: unknown): AcceptedRequest | RejectedRequest {
  const parsed = Body.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { message: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid request'}` };
  }
  const { messages } = parsed.data;
  for (const [i, m] of messages.entries()) {
    if (typeof m.content === 'string') continue;
    for (const [j, block] of m.content.entries()) {
      const issue = blockIssue(block, `messages.${i}.content.${j}`);
      if (issue !== undefined) return { message: issue };
    }
  }
  const pairing = pairingIssue(merge(messages));
  if (pairing !== undefined) return { message: pairing };
  return { model: parsed.data.model, stream: parsed.data.stream === true, includeUsage: true };
}
