import { toolCallEnd } from './arguments.js';
import type { StreamTranslator } from './driver.js';
import { StreamProtocolError } from './errors.js';
import type { LlmEvent, StopReason, UsageEvent } from './types.js';
import { appendArguments, indexAt, objectAt, stringAt, tokensAt } from './wire-shape.js';

const FINISH_REASONS: Readonly<Record<string, StopReason>> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  length: 'max_tokens',
  content_filter: 'content_filter',
};

interface PendingCall {
  id: string | undefined;
  name: string | undefined;
  args: string;
  /** Argument text received before the id and name were known. */
  buffered: string;
  started: boolean;
}

/**
 * Chat-completion chunks → {@link LlmEvent}s. Tool calls arrive by `index`: the first
 * fragment carries `id` and `function.name`, later ones only `arguments`. A call starts
 * once both are known (fragments before that are held back), and all calls end when
 * `finish_reason` arrives. Usage comes in its own chunk (empty `choices`) when
 * `stream_options.include_usage` was requested; OpenAI's `prompt_tokens` include cached
 * tokens, which are split out as `cacheReadTokens`.
 */
export class OpenAiTranslator implements StreamTranslator<unknown> {
  private readonly calls = new Map<number, PendingCall>();
  private lastIndex = -1;
  private finishReason: string | undefined;
  private usageEvent: UsageEvent | undefined;

  push(raw: unknown, out: LlmEvent[]): void {
    const chunk = objectAt(raw, 'chunk');
    if (chunk.usage !== undefined && chunk.usage !== null) this.readUsage(chunk.usage);
    const choices = chunk.choices ?? [];
    if (!Array.isArray(choices))
      throw new StreamProtocolError('malformed_stream', 'chunk.choices: expected an array');
    for (const rawChoice of choices) {
      const choice = objectAt(rawChoice, 'chunk.choices[]');
      // Astrid asks for one choice; any other index is not part of this reply.
      if (choice.index !== undefined && choice.index !== 0) continue;
      if (choice.delta !== undefined && choice.delta !== null)
        this.readDelta(objectAt(choice.delta, 'delta'), out);
      if (choice.finish_reason !== undefined && choice.finish_reason !== null) {
        if (this.finishReason !== undefined)
          throw new StreamProtocolError('malformed_stream', 'finish_reason sent twice');
        this.finishReason = stringAt(choice.finish_reason, 'finish_reason');
        this.endCalls(out);
      }
    }
  }

  finish(out: LlmEvent[]): void {
    if (this.finishReason === undefined) {
      throw new StreamProtocolError('truncated_stream', 'the stream ended before a finish_reason');
    }
    if (this.usageEvent !== undefined) out.push(this.usageEvent);
    let stopReason = FINISH_REASONS[this.finishReason] ?? 'other';
    // Some compatible servers report "stop" for a reply that made tool calls.
    if (stopReason === 'end_turn' && this.calls.size > 0) stopReason = 'tool_use';
    out.push({
      type: 'done',
      stopReason,
      ...(stopReason === this.finishReason ? {} : { providerStopReason: this.finishReason }),
    });
  }

  usage(): UsageEvent | undefined {
    return this.usageEvent;
  }

  private readUsage(raw: unknown): void {
    const usage = objectAt(raw, 'usage');
    const prompt = tokensAt(usage.prompt_tokens, 0, 'usage.prompt_tokens');
    const details = usage.prompt_tokens_details;
    const cached =
      details === undefined || details === null
        ? 0
        : tokensAt(objectAt(details, 'usage.prompt_tokens_details').cached_tokens, 0, 'cached_tokens');
    this.usageEvent = {
      type: 'usage',
      inputTokens: Math.max(0, prompt - cached),
      outputTokens: tokensAt(usage.completion_tokens, 0, 'usage.completion_tokens'),
      cacheReadTokens: Math.min(cached, prompt),
      cacheWriteTokens: 0,
    };
  }

  private readDelta(delta: Readonly<Record<string, unknown>>, out: LlmEvent[]): void {
    if (delta.content !== undefined && delta.content !== null) {
      const text = stringAt(delta.content, 'delta.content');
      if (text !== '') out.push({ type: 'text_delta', text });
    }
    const toolCalls = delta.tool_calls;
    if (toolCalls === undefined || toolCalls === null) return;
    if (!Array.isArray(toolCalls))
      throw new StreamProtocolError('malformed_stream', 'delta.tool_calls: expected an array');
    if (this.finishReason !== undefined)
      throw new StreamProtocolError('malformed_stream', 'tool call fragment after finish_reason');
    for (const raw of toolCalls) this.readToolCall(objectAt(raw, 'delta.tool_calls[]'), out);
  }

  private indexOf(fragment: Readonly<Record<string, unknown>>): number {
    if (fragment.index !== undefined && fragment.index !== null)
      return indexAt(fragment.index, 'tool_calls[].index');
    // Some compatible servers omit `index`: a new id opens a new call, none continues the last.
    const id = fragment.id;
    const last = this.calls.get(this.lastIndex);
    if (
      typeof id === 'string' &&
      id !== '' &&
      (last === undefined || (last.id !== undefined && last.id !== id))
    ) {
      return this.lastIndex + 1;
    }
    return Math.max(this.lastIndex, 0);
  }

  private readToolCall(fragment: Readonly<Record<string, unknown>>, out: LlmEvent[]): void {
    const index = this.indexOf(fragment);
    let call = this.calls.get(index);
    if (call === undefined) {
      call = { id: undefined, name: undefined, args: '', buffered: '', started: false };
      this.calls.set(index, call);
      this.lastIndex = Math.max(this.lastIndex, index);
    }
    if (fragment.id !== undefined && fragment.id !== null && fragment.id !== '') {
      const id = stringAt(fragment.id, 'tool_calls[].id');
      if (call.id !== undefined && call.id !== id) {
        throw new StreamProtocolError(
          'malformed_stream',
          `tool call ${index} changed its id from ${call.id} to ${id}`,
        );
      }
      call.id = id;
    }
    const fn =
      fragment.function === undefined || fragment.function === null
        ? undefined
        : objectAt(fragment.function, 'tool_calls[].function');
    if (fn?.name !== undefined && fn.name !== null && fn.name !== '' && call.name === undefined) {
      call.name = stringAt(fn.name, 'function.name');
    }
    if (fn?.arguments !== undefined && fn.arguments !== null) {
      const part = stringAt(fn.arguments, 'function.arguments');
      if (part !== '') {
        call.args = appendArguments(call.args, part, call.id ?? `#${index}`);
        if (call.started && call.id !== undefined)
          out.push({ type: 'tool_call_delta', id: call.id, argumentsDelta: part });
        else call.buffered += part;
      }
    }
    if (!call.started && call.id !== undefined && call.name !== undefined) this.startCall(call, out);
  }

  private startCall(call: PendingCall, out: LlmEvent[]): void {
    if (call.id === undefined || call.name === undefined) return;
    call.started = true;
    out.push({ type: 'tool_call_start', id: call.id, name: call.name });
    if (call.buffered !== '')
      out.push({ type: 'tool_call_delta', id: call.id, argumentsDelta: call.buffered });
    call.buffered = '';
  }

  private endCalls(out: LlmEvent[]): void {
    const indexes = [...this.calls.keys()].sort((a, b) => a - b);
    for (const index of indexes) {
      const call = this.calls.get(index)!;
      if (call.name === undefined)
        throw new StreamProtocolError('malformed_stream', `tool call ${index} has no function name`);
      // A server that never sends ids (some local ones) gets a stable synthetic one.
      if (call.id === undefined) call.id = `call_${index}`;
      if (!call.started) this.startCall(call, out);
      out.push(toolCallEnd(call.id, call.name, call.args));
    }
  }
}
