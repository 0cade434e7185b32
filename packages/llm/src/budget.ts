import type { ModelConfig, ModelPricing } from '@astrid/config';
import { parseAction, type SensitiveAction } from '@astrid/core';
import { providerLabel } from './create.js';
import type { LlmRequest, LlmUsage } from './types.js';

/**
 * A rough input size: characters / 4, rounded up, over everything sent (system prompt,
 * messages, tool call arguments, tool results, tool definitions). English prose averages
 * about four characters per token; code and other scripts run denser, so this is an
 * estimate for the budget's pre-check, not a bill. The bill is {@link costOf} of the
 * usage the provider reports.
 */
export function estimateInputTokens(request: LlmRequest): number {
  let chars = request.system?.length ?? 0;
  for (const m of request.messages) {
    switch (m.role) {
      case 'user':
        chars += m.content.length;
        break;
      case 'assistant':
        chars += m.content.length;
        for (const call of m.toolCalls ?? [])
          chars += call.name.length + JSON.stringify(call.arguments).length;
        break;
      case 'tool_results':
        for (const r of m.results) chars += r.content.length;
        break;
    }
  }
  for (const tool of request.tools ?? []) {
    chars += tool.name.length + tool.description.length + JSON.stringify(tool.inputSchema).length;
  }
  return Math.ceil(chars / 4);
}

/**
 * The `llm_request` action for one model call, which the budget gates (it never asks
 * for approval). Validated by core's schema, so a model name the action cannot carry
 * fails here with `INVALID_ACTION`.
 */
export function llmRequestAction(request: LlmRequest, model: ModelConfig): SensitiveAction {
  return parseAction({
    kind: 'llm_request',
    provider: providerLabel(model),
    model: model.model,
    estimatedInputTokens: estimateInputTokens(request),
    maxOutputTokens: request.maxTokens ?? model.max_tokens,
  });
}

const MICRO = 1_000_000n;

function part(tokens: number, perMTok: number, name: string): bigint {
  if (!Number.isSafeInteger(tokens) || tokens < 0)
    throw new RangeError(`"${name}" expected a non-negative integer, got ${tokens}`);
  // Each part rounds up on its own, as the approval budget's usageCost does, so both agree.
  return (BigInt(tokens) * BigInt(perMTok) + MICRO - 1n) / MICRO;
}

function checkPrice(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`"pricing.${name}" expected a non-negative integer, got ${value}`);
}

/**
 * What `usage` costs in integer micro-dollars at `pricing` (micro-dollars per million
 * tokens), each token class rounded up: a budget must never under-count.
 */
export function costOf(usage: LlmUsage, pricing: ModelPricing): number {
  checkPrice(pricing.input_micro_usd_per_mtok, 'input_micro_usd_per_mtok');
  checkPrice(pricing.output_micro_usd_per_mtok, 'output_micro_usd_per_mtok');
  checkPrice(pricing.cache_read_micro_usd_per_mtok, 'cache_read_micro_usd_per_mtok');
  checkPrice(pricing.cache_write_micro_usd_per_mtok, 'cache_write_micro_usd_per_mtok');
  const total =
    part(usage.inputTokens, pricing.input_micro_usd_per_mtok, 'inputTokens') +
    part(usage.outputTokens, pricing.output_micro_usd_per_mtok, 'outputTokens') +
    part(usage.cacheReadTokens, pricing.cache_read_micro_usd_per_mtok, 'cacheReadTokens') +
    part(usage.cacheWriteTokens, pricing.cache_write_micro_usd_per_mtok, 'cacheWriteTokens');
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('cost exceeds the safe integer range');
  return Number(total);
}
