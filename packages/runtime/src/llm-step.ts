import { type SecurityInterceptor, worstCaseLlmCost } from '@astrid/approval';
import type { ModelPricing } from '@astrid/config';
import { type PrincipalId, parseAction, type SensitiveAction, type SessionId } from '@astrid/core';
import {
  costOf,
  estimateInputTokens,
  type LlmEvent,
  type LlmProvider,
  type LlmRequest,
  type LlmUsage,
  type StopReason,
  type ToolCallEndEvent,
} from '@astrid/llm';

/** What one LLM request through the interceptor produced. */
export type LlmStepOutcome =
  | {
      readonly kind: 'reply';
      readonly text: string;
      readonly toolCalls: readonly ToolCallEndEvent[];
      readonly stopReason: StopReason;
      readonly usage: LlmUsage | undefined;
      readonly costMicros: number;
    }
  | { readonly kind: 'denied'; readonly code: string; readonly reason: string }
  | { readonly kind: 'error'; readonly code: string; readonly message: string; readonly retryable: boolean }
  | { readonly kind: 'cancelled'; readonly text: string };

/** Everything one step needs. */
export interface LlmStepInput {
  readonly provider: LlmProvider;
  readonly request: LlmRequest;
  readonly pricing: ModelPricing;
  readonly maxOutputTokens: number;
  readonly interceptor: SecurityInterceptor;
  readonly session: SessionId;
  readonly principal: PrincipalId;
  readonly tainted: boolean;
  readonly workspace: string;
  readonly signal: AbortSignal;
  /** The session's save still being written; the request is recorded and sent only after it. */
  readonly precondition?: Promise<void>;
  /**
   * Records a reply (and saves it) while the request's result entry is written; if it fails,
   * the step rejects with its error (the session's own storage failed, as when a save fails).
   */
  readonly onReply?: (reply: Extract<LlmStepOutcome, { kind: 'reply' }>) => Promise<void>;
  readonly onText: (text: string) => void;
}

// Thrown inside the interceptor's execute so that it refunds the reservation and audits the
// outcome as failed or cancelled; caught right outside and turned into an outcome.
class StepEnded extends Error {
  constructor(readonly outcome: LlmStepOutcome) {
    super(outcome.kind === 'error' ? outcome.message : outcome.kind);
  }
}

function toTokenPricing(p: ModelPricing) {
  return {
    inputPerMTok: p.input_micro_usd_per_mtok,
    outputPerMTok: p.output_micro_usd_per_mtok,
    cacheReadPerMTok: p.cache_read_micro_usd_per_mtok,
    cacheWritePerMTok: p.cache_write_micro_usd_per_mtok,
  };
}

/** The `llm_request` action for `request` sent to `provider`. */
export function llmAction(
  provider: LlmProvider,
  request: LlmRequest,
  maxOutputTokens: number,
): SensitiveAction {
  return parseAction({
    kind: 'llm_request',
    provider: provider.name,
    model: provider.model,
    estimatedInputTokens: estimateInputTokens(request),
    maxOutputTokens,
  });
}

/**
 * One model call as an `llm_request` action through the interceptor: the session's own
 * request (it never asks; the budget gates it), reserving the worst case (estimated input
 * plus max output at the configured prices) and committing the reported usage once the
 * stream is done. An error or a cancellation refunds the reservation, and the result entry
 * says which. Tool calls are returned only when the stream ended in `done`.
 */
export async function runLlmStep(input: LlmStepInput): Promise<LlmStepOutcome> {
  const { provider, request, interceptor, signal } = input;
  let action: SensitiveAction;
  try {
    action = llmAction(provider, request, input.maxOutputTokens);
  } catch (err) {
    return { kind: 'error', code: 'INVALID_ACTION', message: (err as Error).message, retryable: false };
  }
  const estimated = action.kind === 'llm_request' ? (action.estimatedInputTokens ?? 0) : 0;
  const cost = worstCaseLlmCost(estimated, input.maxOutputTokens, toTokenPricing(input.pricing));
  // Built now, while the save before this step is written: a provider's stream sends nothing
  // until it is iterated, which happens only once the request is authorized.
  let stream: AsyncIterable<LlmEvent> | undefined;
  let invalid: unknown;
  try {
    stream = provider.stream({ ...request, maxTokens: input.maxOutputTokens }, { signal });
  } catch (err) {
    invalid = err;
  }
  const decision = await interceptor.intercept(action, {
    session: input.session,
    principal: input.principal,
    inputClass: 'trusted',
    tainted: input.tainted,
    workspace: input.workspace,
    sessionOwned: true,
    cost,
    signal,
    ...(input.precondition === undefined ? {} : { precondition: input.precondition }),
  });
  if (!decision.allowed) return { kind: 'denied', code: decision.code, reason: decision.reason };
  const { onReply } = input;
  let own: { readonly error: unknown } | undefined;
  const alongside =
    onReply === undefined
      ? undefined
      : async (value: LlmStepOutcome) => {
          if (value.kind !== 'reply') return;
          try {
            await onReply(value);
          } catch (error) {
            own = { error };
            throw error;
          }
        };
  try {
    return await interceptor.execute(
      decision.authorization,
      action,
      async () => {
        let text = '';
        const calls: ToolCallEndEvent[] = [];
        let usage: LlmUsage | undefined;
        if (stream === undefined) {
          throw new StepEnded({
            kind: 'error',
            code: 'bad_request',
            message: (invalid as Error).message,
            retryable: false,
          });
        }
        for await (const event of stream) {
          switch (event.type) {
            case 'text_delta':
              text += event.text;
              input.onText(event.text);
              break;
            case 'tool_call_end':
              calls.push(event);
              break;
            case 'usage':
              usage = {
                inputTokens: event.inputTokens,
                outputTokens: event.outputTokens,
                cacheReadTokens: event.cacheReadTokens,
                cacheWriteTokens: event.cacheWriteTokens,
              };
              break;
            case 'error':
              throw new StepEnded({
                kind: 'error',
                code: event.code,
                message: event.message,
                retryable: event.retryable,
              });
            case 'done': {
              if (event.stopReason === 'cancelled') throw new StepEnded({ kind: 'cancelled', text });
              const actual = usage === undefined ? undefined : costOf(usage, input.pricing);
              const reply: LlmStepOutcome = {
                kind: 'reply',
                text,
                toolCalls: calls,
                stopReason: event.stopReason,
                usage,
                costMicros: actual ?? cost,
              };
              return {
                value: reply,
                output: JSON.stringify({
                  text,
                  toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.rawArguments })),
                }),
                ...(actual === undefined ? {} : { cost: actual }),
              };
            }
            default:
              break;
          }
        }
        // The provider contract ends every stream with done or error; be safe anyway.
        if (signal.aborted) throw new StepEnded({ kind: 'cancelled', text });
        throw new StepEnded({
          kind: 'error',
          code: 'truncated_stream',
          message: 'the stream ended without done',
          retryable: true,
        });
      },
      alongside === undefined ? {} : { alongside },
    );
  } catch (err) {
    if (own !== undefined) throw own.error;
    if (err instanceof StepEnded) return err.outcome;
    if (signal.aborted) return { kind: 'cancelled', text: '' };
    const code =
      typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'INTERNAL';
    return { kind: 'error', code, message: (err as Error).message ?? String(err), retryable: false };
  }
}
