import type {
  Countdown,
  ElicitationAnswer,
  ElicitationResolvedEvent,
  Frontend,
  FrontendDecision,
  StatusEvent,
  ToolActivity,
} from '@astrid/client';
import {
  type AgentRef,
  APPROVAL_DECISIONS,
  type ApprovalDecision,
  type ApprovalRequest,
  type ElicitationContent,
  type ElicitationRequest,
} from '@astrid/core';

const ELICITATION_ACTIONS = ['accept', 'decline', 'cancel'] as const;

// Values of an answer line: primitives only, checked again (against the fields) by the daemon.
function contentOf(value: unknown): ElicitationContent | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    out[k] = v;
  }
  return out;
}

/** One line this frontend writes. */
export type OutputLine = Readonly<Record<string, unknown>> & { readonly type: string };

/** One line this frontend reads (already JSON-parsed, not yet trusted). */
export type InputLine =
  | { readonly type: 'send'; readonly text: string }
  | {
      readonly type: 'answer';
      readonly id: string;
      readonly decision: ApprovalDecision;
      readonly reason?: string;
    }
  | {
      readonly type: 'elicitation_answer';
      readonly id: string;
      readonly action: ElicitationAnswer['action'];
      readonly content?: ElicitationContent;
    }
  | { readonly type: 'cancel' }
  | { readonly type: 'quit' };

/** Checks a parsed input line; undefined when it is not one this frontend understands. */
export function parseInputLine(value: unknown): InputLine | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.type === 'send' && typeof v.text === 'string' && v.text.length > 0)
    return { type: 'send', text: v.text };
  if (
    v.type === 'answer' &&
    typeof v.id === 'string' &&
    (APPROVAL_DECISIONS as readonly unknown[]).includes(v.decision)
  ) {
    return {
      type: 'answer',
      id: v.id,
      decision: v.decision as ApprovalDecision,
      ...(typeof v.reason === 'string' ? { reason: v.reason } : {}),
    };
  }
  if (
    v.type === 'elicitation_answer' &&
    typeof v.id === 'string' &&
    (ELICITATION_ACTIONS as readonly unknown[]).includes(v.action)
  ) {
    const content = v.content === undefined ? undefined : contentOf(v.content);
    if (v.content !== undefined && content === undefined) return undefined;
    return {
      type: 'elicitation_answer',
      id: v.id,
      action: v.action as ElicitationAnswer['action'],
      ...(content === undefined ? {} : { content }),
    };
  }
  if (v.type === 'cancel' || v.type === 'quit') return { type: v.type };
  return undefined;
}

/**
 * A Frontend that writes every event as one JSON line and takes approval decisions from
 * `answer` lines. Everything the model or a tool produced is passed through as JSON data
 * (escaped by JSON.stringify), never interpreted.
 */
export class JsonLinesFrontend implements Frontend {
  private readonly waiting = new Map<string, (d: FrontendDecision | undefined) => void>();
  private readonly questions = new Map<string, (a: ElicitationAnswer | undefined) => void>();

  constructor(private readonly write: (line: OutputLine) => void) {}

  /** Routes an `answer` line to the approval it names; false if none is waiting. */
  answer(line: Extract<InputLine, { type: 'answer' }>): boolean {
    const resolve = this.waiting.get(line.id);
    if (resolve === undefined) return false;
    this.waiting.delete(line.id);
    resolve({ decision: line.decision, ...(line.reason === undefined ? {} : { reason: line.reason }) });
    return true;
  }

  /** Routes an `elicitation_answer` line to the question it names; false if none is waiting. */
  answerElicitation(line: Extract<InputLine, { type: 'elicitation_answer' }>): boolean {
    const resolve = this.questions.get(line.id);
    if (resolve === undefined) return false;
    this.questions.delete(line.id);
    resolve({ action: line.action, ...(line.content === undefined ? {} : { content: line.content }) });
    return true;
  }

  text(delta: string, agent: AgentRef): void {
    this.write({ type: 'text', text: delta, agent: agent.label });
  }

  approval(request: ApprovalRequest, signal: AbortSignal): Promise<FrontendDecision | undefined> {
    this.write({
      type: 'approval',
      id: request.id,
      action: request.action.kind,
      risk: request.risk,
      summary: request.summary,
      preview: request.preview,
      ...(request.agentText === undefined ? {} : { agentText: request.agentText }),
    });
    return new Promise((resolve) => {
      this.waiting.set(request.id, resolve);
      signal.addEventListener('abort', () => {
        this.waiting.delete(request.id);
        resolve(undefined);
      });
    });
  }

  approvalResolved(request: ApprovalRequest): void {
    this.write({
      type: 'resolved',
      id: request.id,
      state: request.state,
      ...(request.decidedBy === undefined ? {} : { decidedBy: request.decidedBy }),
    });
  }

  // The fields go out as they are, `secret` included: whoever drives this frontend masks
  // those inputs. Answers are never echoed back on stdout.
  elicitation(request: ElicitationRequest, signal: AbortSignal): Promise<ElicitationAnswer | undefined> {
    this.write({
      type: 'elicitation',
      id: request.id,
      source: request.source,
      message: request.message,
      fields: request.fields,
      expiresAt: request.expiresAt,
    });
    return new Promise((resolve) => {
      this.questions.set(request.id, resolve);
      signal.addEventListener('abort', () => {
        this.questions.delete(request.id);
        resolve(undefined);
      });
    });
  }

  elicitationResolved(event: ElicitationResolvedEvent): void {
    this.write({
      type: 'elicitation_resolved',
      id: event.id,
      outcome: event.outcome,
      ...(event.decidedBy === undefined ? {} : { decidedBy: event.decidedBy }),
    });
  }

  toolActivity(activity: ToolActivity): void {
    this.write({ type: 'tool', ...activity, agent: activity.agent.label });
  }

  countdown(countdown: Countdown): void {
    const { cancel: _cancel, agent, ...rest } = countdown;
    this.write({ type: 'countdown', ...rest, agent: agent.label });
  }

  countdownCancelled(id: string): void {
    this.write({ type: 'countdown_cancelled', id });
  }

  status(event: StatusEvent): void {
    const { agent, ...rest } = event;
    this.write({ ...rest, type: 'status', event: event.type, agent: agent.label });
  }

  error(error: { agent: AgentRef; code: string; message: string; retryable: boolean }): void {
    this.write({ type: 'error', code: error.code, message: error.message, retryable: error.retryable });
  }
}
