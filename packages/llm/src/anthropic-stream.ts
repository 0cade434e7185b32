import { toolCallEnd } from './arguments.js';
import type { StreamTranslator } from './driver.js';
import { StreamProtocolError } from './errors.js';
import type { LlmEvent, StopReason, UsageEvent } from './types.js';
import { appendArguments, indexAt, objectAt, stringAt, tokensAt } from './wire-shape.js';

const STOP_REASONS: Readonly<Record<string, StopReason>> = {
  end_turn: 'end_turn',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  refusal: 'refusal',
  pause_turn: 'pause_turn',
  model_context_window_exceeded: 'max_tokens',
};

type Block = { kind: 'text' } | { kind: 'tool'; id: string; name: string; args: string } | { kind: 'other' };

/**
 * Messages API stream events → {@link LlmEvent}s. Text blocks become `text_delta`s;
 * `tool_use` blocks become `tool_call_start`, one `tool_call_delta` per
 * `input_json_delta`, and `tool_call_end` at `content_block_stop`. Thinking and server
 * tool blocks are skipped. Usage is cumulative: `message_start` gives input and cache
 * counts, `message_delta` the final ones.
 */
export class AnthropicTranslator implements StreamTranslator<unknown> {
  private readonly blocks = new Map<number, Block>();
  private inputTokens = 0;
  private outputTokens = 0;
  private cacheReadTokens = 0;
  private cacheWriteTokens = 0;
  private sawUsage = false;
  private stopReason: string | null = null;
  private started = false;
  private stopped = false;

  push(raw: unknown, out: LlmEvent[]): void {
    const event = objectAt(raw, 'event');
    const type = stringAt(event.type, 'event.type');
    if (this.stopped) throw new StreamProtocolError('malformed_stream', `${type} after message_stop`);
    switch (type) {
      case 'message_start': {
        this.started = true;
        const message = objectAt(event.message, 'message_start.message');
        this.readUsage(message.usage, 'message_start.message.usage');
        return;
      }
      case 'content_block_start':
        this.blockStart(event, out);
        return;
      case 'content_block_delta':
        this.blockDelta(event, out);
        return;
      case 'content_block_stop': {
        const index = indexAt(event.index, 'content_block_stop.index');
        const block = this.blocks.get(index);
        if (block === undefined)
          throw new StreamProtocolError('malformed_stream', `content_block_stop for unknown block ${index}`);
        this.blocks.delete(index);
        if (block.kind === 'tool') out.push(toolCallEnd(block.id, block.name, block.args));
        return;
      }
      case 'message_delta': {
        const delta = objectAt(event.delta, 'message_delta.delta');
        if (delta.stop_reason !== undefined && delta.stop_reason !== null) {
          this.stopReason = stringAt(delta.stop_reason, 'message_delta.delta.stop_reason');
        }
        this.readUsage(event.usage, 'message_delta.usage');
        return;
      }
      case 'message_stop':
        if (this.blocks.size > 0)
          throw new StreamProtocolError('malformed_stream', 'message_stop with content blocks still open');
        this.stopped = true;
        return;
      default:
        // Events added to the API later are skipped, as the SDK itself does.
        return;
    }
  }

  finish(out: LlmEvent[]): void {
    if (!this.stopped) {
      const where = this.started ? 'before message_stop' : 'before message_start';
      throw new StreamProtocolError('truncated_stream', `the stream ended ${where}`);
    }
    const usage = this.usage();
    if (usage !== undefined) out.push(usage);
    const mapped = this.stopReason === null ? undefined : STOP_REASONS[this.stopReason];
    out.push({
      type: 'done',
      stopReason: mapped ?? 'other',
      ...(this.stopReason !== null && this.stopReason !== mapped
        ? { providerStopReason: this.stopReason }
        : {}),
    });
  }

  usage(): UsageEvent | undefined {
    if (!this.sawUsage) return undefined;
    return {
      type: 'usage',
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cacheReadTokens: this.cacheReadTokens,
      cacheWriteTokens: this.cacheWriteTokens,
    };
  }

  private readUsage(raw: unknown, where: string): void {
    if (raw === undefined || raw === null) return;
    const usage = objectAt(raw, where);
    this.sawUsage = true;
    this.inputTokens = tokensAt(usage.input_tokens, this.inputTokens, `${where}.input_tokens`);
    this.outputTokens = tokensAt(usage.output_tokens, this.outputTokens, `${where}.output_tokens`);
    this.cacheReadTokens = tokensAt(
      usage.cache_read_input_tokens,
      this.cacheReadTokens,
      `${where}.cache_read_input_tokens`,
    );
    this.cacheWriteTokens = tokensAt(
      usage.cache_creation_input_tokens,
      this.cacheWriteTokens,
      `${where}.cache_creation_input_tokens`,
    );
  }

  private blockStart(event: Readonly<Record<string, unknown>>, out: LlmEvent[]): void {
    const index = indexAt(event.index, 'content_block_start.index');
    if (this.blocks.has(index))
      throw new StreamProtocolError('malformed_stream', `content block ${index} started twice`);
    const block = objectAt(event.content_block, 'content_block_start.content_block');
    const type = stringAt(block.type, 'content_block.type');
    if (type === 'text') {
      this.blocks.set(index, { kind: 'text' });
      const text = stringAt(block.text ?? '', 'content_block.text');
      if (text !== '') out.push({ type: 'text_delta', text });
    } else if (type === 'tool_use') {
      const id = stringAt(block.id, 'content_block.id');
      const name = stringAt(block.name, 'content_block.name');
      if (id === '' || name === '')
        throw new StreamProtocolError('malformed_stream', 'tool_use block without id or name');
      this.blocks.set(index, { kind: 'tool', id, name, args: '' });
      out.push({ type: 'tool_call_start', id, name });
    } else {
      this.blocks.set(index, { kind: 'other' });
    }
  }

  private blockDelta(event: Readonly<Record<string, unknown>>, out: LlmEvent[]): void {
    const index = indexAt(event.index, 'content_block_delta.index');
    const block = this.blocks.get(index);
    if (block === undefined)
      throw new StreamProtocolError('malformed_stream', `content_block_delta for unknown block ${index}`);
    const delta = objectAt(event.delta, 'content_block_delta.delta');
    const type = stringAt(delta.type, 'content_block_delta.delta.type');
    if (type === 'text_delta' && block.kind === 'text') {
      const text = stringAt(delta.text, 'text_delta.text');
      if (text !== '') out.push({ type: 'text_delta', text });
    } else if (type === 'input_json_delta' && block.kind === 'tool') {
      const part = stringAt(delta.partial_json, 'input_json_delta.partial_json');
      if (part === '') return;
      block.args = appendArguments(block.args, part, block.id);
      out.push({ type: 'tool_call_delta', id: block.id, argumentsDelta: part });
    } else if (type === 'text_delta' || type === 'input_json_delta') {
      throw new StreamProtocolError('malformed_stream', `${type} for a ${block.kind} block`);
    }
  }
}
