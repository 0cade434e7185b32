import {
  type AgentRef,
  type ApprovalDecision,
  type ApprovalRequest,
  type ElicitationContent,
  type ElicitationRequest,
  isAstridError,
  type RiskLevel,
  type RuntimeEvent,
  type SensitiveAction,
} from '@astrid/core';
import type { AstridClient } from './client.js';

/** A tool call as a frontend shows it: proposed, then its result. */
export type ToolActivity =
  | {
      readonly phase: 'proposed';
      readonly agent: AgentRef;
      readonly callId: string;
      readonly tool: string;
      readonly arguments: Readonly<Record<string, unknown>>;
    }
  | {
      readonly phase: 'result';
      readonly agent: AgentRef;
      readonly callId: string;
      readonly tool: string;
      readonly ran: boolean;
      readonly isError: boolean;
      readonly summary: string;
    };

/** An auto-apply countdown: the action runs after `seconds` unless cancelled. */
export interface Countdown {
  readonly id: string;
  readonly agent: AgentRef;
  readonly action: SensitiveAction;
  readonly risk: RiskLevel;
  readonly seconds: number;
  /** Cancels it (`action.cancel`); false when it already ran or was cancelled. */
  cancel(): Promise<boolean>;
}

/** A human's answer to an approval request. */
export interface FrontendDecision {
  readonly decision: ApprovalDecision;
  /** A denial's feedback, passed to the agent. */
  readonly reason?: string;
  /** For a budget extension: the amount granted, in micro-dollars. */
  readonly amount?: number;
}

/** A human's answer to an elicitation: `content` (one value per field) with `accept`. */
export interface ElicitationAnswer {
  readonly action: 'accept' | 'decline' | 'cancel';
  readonly content?: ElicitationContent;
}

/** An elicitation left pending: answered (here or elsewhere), expired or cancelled. */
export type ElicitationResolvedEvent = Extract<RuntimeEvent, { type: 'elicitation_resolved' }>;

/** Turn and budget progress a frontend may show. */
export type StatusEvent = Extract<
  RuntimeEvent,
  {
    type:
      | 'turn_started'
      | 'turn_done'
      | 'usage'
      | 'budget_warning'
      | 'budget_extended'
      | 'context_compacted'
      | 'subagent_started'
      | 'subagent_finished'
      | 'cancelled';
  }
>;

/**
 * What a custom frontend implements. Only `text` and `approval` are required; everything
 * else is optional. Content from the model or a tool arrives as data: a terminal frontend
 * must sanitise it before display.
 */
export interface Frontend {
  /** Streamed reply text. */
  text(delta: string, agent: AgentRef): void;
  /**
   * Asks the human. Resolve with a decision, or with undefined to leave the request to
   * another frontend. `signal` aborts when it was answered elsewhere, expired or cancelled.
   */
  approval(request: ApprovalRequest, signal: AbortSignal): Promise<FrontendDecision | undefined>;
  /** A request left `pending` (answered here or elsewhere, expired, cancelled). */
  approvalResolved?(request: ApprovalRequest): void;
  /**
   * Asks the human an MCP server's, capsule's or tool's question: show `request.source`
   * (who asks) beside `request.message` (their untrusted text), and mask the input of
   * `secret` fields. Resolve with the answer, or undefined to leave it to another frontend.
   * `signal` aborts when it was answered elsewhere, expired or cancelled. Without this
   * method the frontend is never asked (another frontend may answer).
   */
  elicitation?(request: ElicitationRequest, signal: AbortSignal): Promise<ElicitationAnswer | undefined>;
  /** An elicitation ended: outcome and, when a human answered, who (`decidedBy`). */
  elicitationResolved?(event: ElicitationResolvedEvent): void;
  toolActivity?(activity: ToolActivity): void;
  countdown?(countdown: Countdown): void;
  countdownCancelled?(id: string): void;
  status?(event: StatusEvent): void;
  error?(error: {
    readonly agent: AgentRef;
    readonly code: string;
    readonly message: string;
    readonly retryable: boolean;
  }): void;
}

// How many times a frontend is asked again after the daemon refused its answer as invalid.
const ELICITATION_ATTEMPTS = 3;

function isInvalidParams(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { astridCode?: unknown }).astridCode === 'INVALID_PARAMS'
  );
}

/** Options of {@link attachFrontend}. */
export interface AttachOptions {
  /** Replay events after this seq first (0: everything recorded). */
  readonly since?: number;
  /** Who the human is, as the frontend knows them (recorded in `decidedBy`). */
  readonly userId?: string;
  /** Told when answering failed for another reason than "already resolved". */
  readonly onError?: (err: unknown) => void;
}

/** A frontend attached to a session. */
export interface Attachment {
  /** Stops delivering events to the frontend (pending prompts are aborted). */
  detach(): Promise<void>;
}

/**
 * Attaches `frontend` to a session: subscribes (replaying after `since`), routes every event
 * to the matching method, asks the frontend about each pending approval request (those
 * pending at attach time too) and sends its answer. When another frontend answered first,
 * the daemon's APPROVAL_ALREADY_RESOLVED is expected and ignored; the frontend hears
 * `approvalResolved` with who decided. Elicitations go the same way (`elicitation`, asked
 * about pending ones at attach through `elicitation.list`; ELICITATION_ALREADY_RESOLVED and
 * ELICITATION_NOT_FOUND ignored; the prompt aborted when it is resolved elsewhere).
 */
export async function attachFrontend(
  client: AstridClient,
  sessionId: string,
  frontend: Frontend,
  options: AttachOptions = {},
): Promise<Attachment> {
  const prompts = new Map<string, AbortController>();
  const onError = options.onError ?? (() => {});

  const ask = async (request: ApprovalRequest): Promise<void> => {
    if (prompts.has(request.id)) return;
    const controller = new AbortController();
    prompts.set(request.id, controller);
    try {
      // A replayed request may have been answered since: ask only about pending ones.
      const current = await client.call('approval.get', { id: request.id });
      if (current.state !== 'pending') return;
      const decision = await frontend.approval(current, controller.signal);
      if (decision === undefined || controller.signal.aborted) return;
      await client.call('approval.respond', {
        id: request.id,
        decision: decision.decision,
        ...(decision.reason === undefined ? {} : { reason: decision.reason }),
        ...(decision.amount === undefined ? {} : { amount: decision.amount }),
        ...(options.userId === undefined ? {} : { userId: options.userId }),
      });
    } catch (err) {
      if (!isAstridError(err, 'APPROVAL_ALREADY_RESOLVED')) onError(err);
    }
  };

  // An answer the daemon refuses as invalid (INVALID_PARAMS: a value of the wrong type, a
  // required field missing) leaves the question pending: ask again, a bounded number of times.
  const askElicitation = async (request: ElicitationRequest): Promise<void> => {
    const ask = frontend.elicitation?.bind(frontend);
    if (ask === undefined || prompts.has(request.id)) return;
    const controller = new AbortController();
    prompts.set(request.id, controller);
    try {
      // A replayed request may be over (answered, or its asker died with a daemon restart).
      const { elicitations } = await client.call('elicitation.list', { sessionId });
      const current = elicitations.find((e) => e.id === request.id);
      if (current === undefined) return;
      for (let attempt = 1; attempt <= ELICITATION_ATTEMPTS; attempt++) {
        const answer = await ask(current, controller.signal);
        if (answer === undefined || controller.signal.aborted) return;
        try {
          await client.call('elicitation.respond', {
            id: request.id,
            action: answer.action,
            ...(answer.content === undefined ? {} : { content: answer.content }),
            ...(options.userId === undefined ? {} : { userId: options.userId }),
          });
          return;
        } catch (err) {
          if (!isInvalidParams(err) || attempt === ELICITATION_ATTEMPTS) throw err;
          onError(err);
        }
      }
    } catch (err) {
      if (!isAstridError(err, 'ELICITATION_ALREADY_RESOLVED') && !isAstridError(err, 'ELICITATION_NOT_FOUND'))
        onError(err);
    }
  };

  const route = (event: RuntimeEvent): void => {
    switch (event.type) {
      case 'text_delta':
        frontend.text(event.text, event.agent);
        return;
      case 'tool_call_proposed':
        frontend.toolActivity?.({
          phase: 'proposed',
          agent: event.agent,
          callId: event.callId,
          tool: event.tool,
          arguments: event.arguments,
        });
        return;
      case 'tool_result':
        frontend.toolActivity?.({
          phase: 'result',
          agent: event.agent,
          callId: event.callId,
          tool: event.tool,
          ran: event.ran,
          isError: event.isError,
          summary: event.summary,
        });
        return;
      case 'approval_requested':
        void ask(event.request);
        return;
      case 'approval_resolved':
        prompts.get(event.request.id)?.abort();
        frontend.approvalResolved?.(event.request);
        return;
      case 'elicitation_requested':
        void askElicitation(event.request);
        return;
      case 'elicitation_resolved':
        prompts.get(event.id)?.abort();
        frontend.elicitationResolved?.(event);
        return;
      case 'auto_apply':
        frontend.countdown?.({
          id: event.id,
          agent: event.agent,
          action: event.action,
          risk: event.risk,
          seconds: event.seconds,
          cancel: async () => (await client.call('action.cancel', { id: event.id })).cancelled,
        });
        return;
      case 'auto_apply_cancelled':
        frontend.countdownCancelled?.(event.id);
        return;
      case 'error':
        frontend.error?.(event);
        return;
      default:
        frontend.status?.(event);
    }
  };

  const off = client.on('session.event', (note) => {
    if (note.sessionId === sessionId) route(note.event);
  });
  await client.subscribeSession(sessionId, options.since);
  const { approvals } = await client.call('approval.list', { state: 'pending', sessionId });
  for (const request of approvals) void ask(request);
  if (frontend.elicitation !== undefined) {
    const { elicitations } = await client.call('elicitation.list', { sessionId });
    for (const request of elicitations) void askElicitation(request);
  }
  return {
    detach: async () => {
      off();
      for (const c of prompts.values()) c.abort();
      await client.unsubscribeSession(sessionId);
    },
  };
}
