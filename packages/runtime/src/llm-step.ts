import { type SecurityInterceptor, type ToolRun, worstCaseLlmCost } from '@astrid/approval';
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
      /**
       * Settles once the request's result entry is durable: the reply comes back while it
       * is still being written. Rejects with an {@link UnauditedReply} if it could not be.
       */
      readonly audited: Promise<void>;
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
  readonly onText: (text: string) => void;
}

/** A reply whose result entry could not be written: the step failed after all. */
export class UnauditedReply extends Error {
  constructor(readonly outcome: Extract<LlmStepOutcome, { kind: 'error' }>) {
    super(outcome.message);
  }
}

// Thrown inside the interceptor's execute so that it refunds the reservation and audits the
// outcome as failed or cancelled; caught right outside and turned into an outcome.
class StepEnded extends Error {
  constructor(readonly outcome: Exclude<LlmStepOutcome, { kind: 'reply' }>) {
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
  // The reply is handed back as soon as the stream is done, while its result entry is being
  // written (`audited`); a failure before that returns once its result entry is durable.
  let early!: (reply: Reply) => void;
  const replied = new Promise<Reply>((resolve) => {
    early = resolve;
  });
  const raw = interceptor.execute(decision.authorization, action, run, {
    alongside: async (value) => early(value),
  });
  const executed = settled(raw, signal);
  const first = await Promise.race([replied, executed]);
  if (first.kind !== 'reply') return first;
  // Once the reply is out, a failure of execute can only be its result entry's (a cancel
  // arriving meanwhile does not make it one).
  const audited = raw.then(
    () => undefined,
    (err: unknown) => {
      throw new UnauditedReply(errorOutcome(err));
    },
  );
  audited.catch(() => undefined); // the caller awaits it; a failure meanwhile is not unhandled
  return { ...first, audited };

  async function run(): Promise<ToolRun<Reply>> {
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
          const reply: Reply = {
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
  }
}

/** A reply before its result entry is known to be durable. */
type Reply = Omit<Extract<LlmStepOutcome, { kind: 'reply' }>, 'audited'>;
type Ended = Exclude<LlmStepOutcome, { kind: 'reply' }>;

/** execute's result as an outcome: a failed, cancelled or refused step is not an exception. */
async function settled(executed: Promise<Reply>, signal: AbortSignal): Promise<Reply | Ended> {
  try {
    return await executed;
  } catch (err) {
    if (err instanceof StepEnded) return err.outcome as Ended;
    if (signal.aborted) return { kind: 'cancelled', text: '' };
    return errorOutcome(err);
  }
}

/** An unexpected failure (storage, audit) as an error outcome carrying its code. */
function errorOutcome(err: unknown): Extract<LlmStepOutcome, { kind: 'error' }> {
  const code =
    typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'INTERNAL';
  return { kind: 'error', code, message: (err as Error).message ?? String(err), retryable: false };
}
