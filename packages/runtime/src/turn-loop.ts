import type { SecurityInterceptor } from '@astrid/approval';
import type { PrincipalId, SessionId } from '@astrid/core';
import type { LlmToolDefinition } from '@astrid/llm';
import type { CallRunner } from './call-runner.js';
import { compactHistory, compactionAuditEntry } from './context.js';
import type { AgentRef, BudgetSnapshot, RuntimeEvent, TurnStatus } from './events.js';
import type { SessionHost } from './host.js';
import { type LlmStepOutcome, runLlmStep, UnauditedReply } from './llm-step.js';
import type { SessionRecord, TurnState } from './record.js';
import type { SessionLlm } from './session-llm.js';
import type { UntrustedFraming } from './untrusted.js';

/** What recording a reply changed, so that it can be taken back. */
interface Applied {
  /** The reply had no tool calls: the turn ended with it. */
  readonly ended: boolean;
}

/** How a turn ended and what the model said last. */
export interface TurnResult {
  readonly status: TurnStatus;
  /** The final reply's text (empty unless `done`, or the partial text of a cancelled reply). */
  readonly text: string;
  /** LLM requests made in this turn. */
  readonly steps: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** What the loop needs from its session. */
export interface TurnLoopParts {
  readonly host: SessionHost;
  readonly record: SessionRecord;
  readonly id: SessionId;
  readonly principal: PrincipalId;
  readonly ref: AgentRef;
  readonly interceptor: SecurityInterceptor;
  readonly framing: UntrustedFraming;
  readonly systemPrompt: string;
  readonly toolDefinitions: readonly LlmToolDefinition[];
  readonly toolDefinitionChars: number;
  readonly calls: CallRunner;
  /** The session's model and prices (the daemon's unless it asked for another). */
  readonly llm: SessionLlm;
  readonly maxTurns: number;
  save(): Promise<void>;
  emit(event: RuntimeEvent): void;
  budget(): BudgetSnapshot;
}

/**
 * The turn loop: compact the context if needed, one model request through the interceptor,
 * then the reply's tool calls, their results back to the model, again, until a reply without
 * tool calls, `max_turns`, an error, a denial or a cancellation. The record is saved after
 * every step, so the loop can continue from any saved state after a restart.
 */
export class TurnLoop {
  constructor(private readonly p: TurnLoopParts) {}

  /**
   * Runs `turn` from where it stands to its end. `saved` is the save of the record as it
   * stands, still being written: the next step's reads (planning, policy, building the
   * request) overlap it, and the step records, asks or sends nothing before it is durable.
   */
  async run(turn: TurnState, signal: AbortSignal, saved?: Promise<void>): Promise<TurnResult> {
    let pending = observed(saved);
    // The reply whose tool calls are about to run, until its result entry is known durable.
    let reply: Applied | undefined;
    for (;;) {
      if (turn.phase === 'tools') {
        let cancelled: boolean;
        try {
          cancelled = await this.p.calls.runAll(turn.calls, signal, pending);
        } catch (err) {
          if (err instanceof UnauditedReply && reply !== undefined) return this.takeBack(turn, reply, err);
          throw err;
        }
        reply = undefined;
        this.p.record.history.push({
          role: 'tool_results',
          results: turn.calls.map((c) => ({
            toolCallId: c.id,
            content: c.result?.content ?? 'no result',
            ...(c.result?.isError === true ? { isError: true } : {}),
          })),
        });
        turn.phase = 'model';
        turn.calls = [];
        if (cancelled) return this.finish(turn, 'cancelled', '', { phase: 'tool' });
        pending = observed(this.p.save());
        continue;
      }
      // A step that ends the turn without a model request still needs the last save durable.
      if (signal.aborted || turn.step >= this.p.maxTurns) await pending;
      if (signal.aborted) return this.finish(turn, 'cancelled', '', { phase: 'model' });
      if (turn.step >= this.p.maxTurns) {
        const message = `the turn reached max_turns (${this.p.maxTurns} model requests) and was stopped`;
        this.p.emit({ type: 'error', agent: this.p.ref, code: 'max_turns', message, retryable: false });
        return this.finish(turn, 'max_turns', '', { error: { code: 'max_turns', message } });
      }
      await this.compactIfNeeded(pending);
      const before = pending;
      const outcome = await runLlmStep({
        provider: this.p.llm.provider,
        request: {
          system: this.p.systemPrompt,
          messages: this.p.record.history,
          tools: this.p.toolDefinitions,
        },
        pricing: this.p.llm.pricing,
        maxOutputTokens: this.p.host.maxOutputTokens,
        interceptor: this.p.interceptor,
        session: this.p.id,
        principal: this.p.principal,
        tainted: this.p.record.tainted,
        workspace: this.p.host.boundary.root,
        signal,
        ...(before === undefined ? {} : { precondition: before }),
        onText: (text) => this.p.emit({ type: 'text_delta', agent: this.p.ref, text }),
      });
      // Settled already unless the step ended before the interceptor (an invalid request).
      await before;
      pending = undefined;
      if (outcome.kind !== 'reply') turn.step++;
      switch (outcome.kind) {
        case 'denied':
        case 'error': {
          const code = outcome.code;
          const message = outcome.kind === 'denied' ? outcome.reason : outcome.message;
          const retryable = outcome.kind === 'error' && outcome.retryable;
          this.p.emit({ type: 'error', agent: this.p.ref, code, message, retryable });
          return this.finish(turn, outcome.kind === 'denied' ? 'denied' : 'error', '', {
            error: { code, message },
          });
        }
        case 'cancelled':
          if (outcome.text.length > 0) {
            this.p.record.history.push({
              role: 'assistant',
              content: `${outcome.text}\n[reply cancelled by the user]`,
            });
          }
          return this.finish(turn, 'cancelled', outcome.text, { phase: 'model' });
        case 'reply': {
          if (outcome.usage !== undefined) {
            this.p.emit({
              type: 'usage',
              agent: this.p.ref,
              usage: outcome.usage,
              costMicros: outcome.costMicros,
              budget: this.p.budget(),
            });
          }
          // The reply comes back while its result entry is being written: it is recorded and
          // saved meanwhile, and its tool calls plan; they record nothing, and the turn does
          // not end, before both writes are durable.
          const applied = this.applyReply(turn, outcome);
          const recorded = Promise.all([this.p.save(), outcome.audited]).then(() => undefined);
          if (outcome.toolCalls.length === 0) {
            try {
              await recorded;
            } catch (err) {
              if (err instanceof UnauditedReply) return this.takeBack(turn, applied, err);
              throw err;
            }
            return this.finish(turn, 'done', outcome.text, {}, true);
          }
          pending = observed(recorded);
          reply = applied;
        }
      }
    }
  }

  /**
   * Records a reply: the assistant message, then the tool calls to run, or the end of the
   * turn when there are none. Returns what {@link revert} needs to take it back.
   */
  private applyReply(turn: TurnState, reply: Extract<LlmStepOutcome, { kind: 'reply' }>): Applied {
    const calls = reply.toolCalls;
    this.p.record.history.push({
      role: 'assistant',
      content: reply.text.length > 0 || calls.length > 0 ? reply.text : '(empty reply)',
      ...(calls.length === 0
        ? {}
        : { toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })) }),
    });
    turn.step++;
    if (calls.length === 0) {
      this.p.record.turn = undefined;
      return { ended: true };
    }
    turn.phase = 'tools';
    turn.calls = calls.map((c) => ({
      id: c.id,
      name: c.name,
      arguments: c.arguments,
      ...(c.parseError === undefined ? {} : { parseError: c.parseError }),
      state: 'pending' as const,
      approvals: [],
    }));
    return { ended: false };
  }

  // The reply's result entry could not be written after the reply was recorded: the turn ends
  // with that error, and the reply (whose tool calls did not run) is taken back out.
  private takeBack(turn: TurnState, applied: Applied, err: UnauditedReply): Promise<TurnResult> {
    this.p.record.history.pop();
    if (applied.ended) this.p.record.turn = turn;
    turn.phase = 'model';
    turn.calls = [];
    const { code, message, retryable } = err.outcome;
    this.p.emit({ type: 'error', agent: this.p.ref, code, message, retryable });
    return this.finish(turn, 'error', '', { error: { code, message } });
  }

  private async finish(
    turn: TurnState,
    status: TurnStatus,
    text: string,
    extra: { phase?: 'model' | 'tool'; error?: { code: string; message: string } },
    saved = false,
  ): Promise<TurnResult> {
    this.p.record.turn = undefined;
    if (!saved) await this.p.save();
    if (status === 'cancelled')
      this.p.emit({ type: 'cancelled', agent: this.p.ref, phase: extra.phase ?? 'model' });
    this.p.emit({ type: 'turn_done', agent: this.p.ref, status, steps: turn.step, text });
    return { status, text, steps: turn.step, ...(extra.error === undefined ? {} : { error: extra.error }) };
  }

  private async compactIfNeeded(pending: Promise<void> | undefined): Promise<void> {
    const compaction = compactHistory(this.p.record.history, {
      maxChars: this.p.host.contextChars,
      fixedChars: this.p.systemPrompt.length + this.p.toolDefinitionChars,
      framing: this.p.framing,
    });
    if (compaction === undefined) return;
    await pending;
    const entry = await this.p.host.audit.append(
      compactionAuditEntry(compaction, this.p.principal, this.p.id, this.p.host.contextChars),
    );
    this.p.record.history = compaction.history;
    await this.p.save();
    this.p.emit({
      type: 'context_compacted',
      agent: this.p.ref,
      removedMessages: compaction.removedMessages,
      removedChars: compaction.removedChars,
      auditEntry: entry.id,
    });
  }
}

/**
 * Marks a save that is awaited later as handled, so a failure surfaces where it is awaited
 * (ending the turn as an error) and never as an unhandled rejection meanwhile.
 */
function observed(save: Promise<void> | undefined): Promise<void> | undefined {
  save?.catch(() => undefined);
  return save;
}
