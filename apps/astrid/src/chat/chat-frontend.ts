import type {
  Countdown,
  ElicitationAnswer,
  ElicitationResolvedEvent,
  Frontend,
  FrontendDecision,
  StatusEvent,
  ToolActivity,
} from '@astrid/client';
import type { AgentRef, ApprovalRequest, ElicitationRequest } from '@astrid/core';
import { actionTarget, approvalCard, resolutionText } from './approval-card.js';
import { cut, ours, type SafeText, safe, safeBlock } from './safe-text.js';
import type { CardAnswer, ChatStore, Entry, NoticeTone, ToolStatus } from './store.js';

/** Options of {@link ChatFrontend}. */
export interface ChatFrontendOptions {
  readonly store: ChatStore;
  /** False: approvals and elicitations are left to another frontend (one line says so). */
  readonly interactive: boolean;
  readonly now: () => number;
  /** Told when a top-level turn ends, with the reply text. */
  readonly onTurnDone: (text: string) => void;
}

/** The most argument text a tool line shows. */
const TARGET_CHARS = 80;

/** A tool call's main argument in a few words (its path, command, url...). */
export function callTarget(args: Readonly<Record<string, unknown>>): string {
  for (const key of ['path', 'command', 'url', 'pattern', 'query', 'task']) {
    const value = args[key];
    if (typeof value === 'string') return value;
  }
  const first = Object.values(args).find((v) => typeof v === 'string');
  return typeof first === 'string' ? first : '';
}

/**
 * The chat's `Frontend`: turns the daemon's events into chat state. Every string that came
 * from the daemon (model text, tool summaries, approval texts, error messages) is sanitised
 * here, on arrival, so the state the view reads holds nothing raw.
 */
export class ChatFrontend implements Frontend {
  private readonly store: ChatStore;
  // Raw reply text per entry: the whole reply is sanitised again on each delta, so an
  // escape sequence split across two deltas is still removed whole.
  private readonly raw = new Map<number, string>();
  private readonly answers = new Map<string, (answer: CardAnswer | undefined) => void>();
  private readonly elicitationAnswers = new Map<string, (answer: ElicitationAnswer | undefined) => void>();
  private readonly countdownHandles = new Map<string, Countdown>();

  constructor(private readonly options: ChatFrontendOptions) {
    this.store = options.store;
  }

  /** Adds a notice line (and tells plain output). */
  notice(text: SafeText, tone: NoticeTone = 'info'): void {
    const entry: Entry = { id: this.store.id(), kind: 'notice', tone, text };
    this.store.add(entry);
    this.store.emit({ type: 'line', entry });
  }

  text(delta: string, agent: AgentRef): void {
    const s = this.store;
    const last = s.state.live.at(-1);
    if (last?.kind === 'reply' && last.agent === agent.session) {
      const raw = (this.raw.get(last.id) ?? '') + delta;
      this.raw.set(last.id, raw);
      s.patchLive(
        (e) => e.id === last.id,
        (e) => ({ ...e, text: safeBlock(raw) }) as Entry,
      );
    } else {
      const id = s.id();
      this.raw.set(id, delta);
      const label = agent.depth > 0 ? { label: safe(agent.label) } : {};
      s.update((st) => ({
        running: true,
        live: [...st.live, { id, kind: 'reply', agent: agent.session, text: safeBlock(delta), ...label }],
      }));
    }
    s.emit({ type: 'text', delta: safeBlock(delta), agent });
  }

  toolActivity(activity: ToolActivity): void {
    const s = this.store;
    if (activity.phase === 'proposed') {
      const entry: Entry = {
        id: s.id(),
        kind: 'tool',
        agent: activity.agent.session,
        callId: activity.callId,
        tool: safe(activity.tool),
        target: cut(safe(callTarget(activity.arguments)), TARGET_CHARS),
        status: 'proposed',
      };
      s.update((st) => ({ running: true, live: [...st.live, entry] }));
      return;
    }
    const status: ToolStatus = !activity.ran ? 'denied' : activity.isError ? 'failed' : 'done';
    // One line: a tool's summary can be a whole diff or listing; the first line says what happened.
    const first = activity.summary.trim().split(/\r?\n/, 1)[0] ?? '';
    const summary = cut(safe(first), 200);
    const done = s.patchLive(
      (e) => e.kind === 'tool' && e.callId === activity.callId,
      (e) => ({ ...e, status, summary }) as Entry,
    );
    if (done !== undefined) s.emit({ type: 'line', entry: done });
  }

  approval(request: ApprovalRequest, signal: AbortSignal): Promise<FrontendDecision | undefined> {
    const card = approvalCard(request);
    this.store.patchLive(
      (e) => e.kind === 'tool' && e.agent === request.session && e.status === 'proposed',
      (e) => ({ ...e, status: 'waiting', approvalId: request.id }) as Entry,
    );
    if (!this.options.interactive) {
      this.notice(
        ours(
          `approval needed: ${card.kind} ${card.target} (${card.risk}): waiting for another frontend ` +
            `(astrid approvals approve ${card.id})`,
        ),
        'warn',
      );
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const finish = (answer: CardAnswer | undefined) => {
        this.answers.delete(request.id);
        this.store.update((st) => ({ approvals: st.approvals.filter((a) => a.id !== request.id) }));
        resolve(answer);
      };
      this.answers.set(request.id, finish);
      this.store.update((st) => ({ approvals: [...st.approvals, { id: request.id, card }] }));
      signal.addEventListener('abort', () => finish(undefined), { once: true });
    });
  }

  /** Answers the card of request `id` (from a key press); false when it is no longer open. */
  decide(id: string, answer: CardAnswer): boolean {
    const finish = this.answers.get(id);
    if (finish === undefined) return false;
    finish(answer);
    return true;
  }

  approvalResolved(request: ApprovalRequest): void {
    this.answers.get(request.id)?.(undefined);
    const approved = request.state === 'approved';
    this.store.patchLive(
      (e) => e.kind === 'tool' && e.approvalId === request.id,
      (e) => ({ ...e, status: approved ? 'running' : 'denied' }) as Entry,
    );
    this.notice(resolutionText(request), approved ? 'ok' : 'warn');
  }

  countdown(countdown: Countdown): void {
    this.countdownHandles.set(countdown.id, countdown);
    const deadline = this.options.now() + countdown.seconds * 1000;
    const view = {
      id: countdown.id,
      kind: safe(countdown.action.kind),
      target: cut(safe(actionTarget(countdown.action)), 120),
      risk: countdown.risk,
      deadline,
    };
    this.store.update((st) => ({ countdowns: [...st.countdowns, view] }));
    const timer = setTimeout(() => this.dropCountdown(countdown.id), countdown.seconds * 1000 + 200);
    timer.unref?.();
  }

  countdownCancelled(id: string): void {
    if (!this.countdownHandles.has(id)) return;
    this.dropCountdown(id);
    this.notice(ours('auto-apply cancelled'), 'warn');
  }

  /** Cancels the oldest countdown on screen (Esc); undefined when there is none. */
  async cancelCountdown(): Promise<boolean | undefined> {
    const first = this.store.state.countdowns[0];
    const handle = first === undefined ? undefined : this.countdownHandles.get(first.id);
    if (first === undefined || handle === undefined) return undefined;
    const cancelled = await handle.cancel();
    if (!cancelled) {
      this.dropCountdown(first.id);
      this.notice(ours('too late to cancel: it already ran'), 'warn');
    }
    return cancelled;
  }

  private dropCountdown(id: string): void {
    this.countdownHandles.delete(id);
    this.store.update((st) => ({ countdowns: st.countdowns.filter((c) => c.id !== id) }));
  }

  /** Asks the human an elicitation (a question from an MCP server, capsule or tool). */
  elicitation(request: ElicitationRequest, signal: AbortSignal): Promise<ElicitationAnswer | undefined> {
    if (!this.options.interactive) {
      this.notice(
        ours(
          `${safe(request.source)} asks for input: waiting for another frontend to answer ${safe(request.id)}`,
        ),
        'warn',
      );
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const finish = (answer: ElicitationAnswer | undefined) => {
        this.elicitationAnswers.delete(request.id);
        this.store.update((st) => ({ elicitations: st.elicitations.filter((e) => e.id !== request.id) }));
        resolve(answer);
      };
      this.elicitationAnswers.set(request.id, finish);
      this.store.update((st) => ({ elicitations: [...st.elicitations, { id: request.id, request }] }));
      signal.addEventListener('abort', () => finish(undefined), { once: true });
    });
  }

  /** Answers the form of elicitation `id`; false when it is no longer open. */
  answerElicitation(id: string, answer: ElicitationAnswer): boolean {
    const finish = this.elicitationAnswers.get(id);
    if (finish === undefined) return false;
    finish(answer);
    return true;
  }

  /** An elicitation ended (answered here or elsewhere, expired): the form closes, one line says how. */
  elicitationResolved(event: ElicitationResolvedEvent): void {
    this.elicitationAnswers.get(event.id)?.(undefined);
    const by = event.decidedBy === undefined ? '' : ` by ${safe(event.decidedBy)}`;
    this.notice(ours(`input request ${safe(event.id)}: ${safe(event.outcome)}${by}`));
  }

  status(event: StatusEvent): void {
    switch (event.type) {
      case 'turn_started':
        if (event.agent.depth === 0) this.store.update(() => ({ running: true }));
        return;
      case 'turn_done':
        if (event.agent.depth > 0) return;
        if (event.status !== 'done') this.notice(ours(`turn ended: ${safe(event.status)}`), 'warn');
        this.store.finishTurn();
        this.options.onTurnDone(event.text);
        return;
      case 'usage':
        if (event.agent.depth === 0)
          this.store.update(() => ({ spentMicros: event.budget.spent, limitMicros: event.budget.limit }));
        return;
      case 'budget_warning':
        this.notice(ours(`budget: ${event.used} of ${event.limit} micro-USD used`), 'warn');
        return;
      case 'budget_extended':
        this.notice(ours(`budget extended by ${event.by} micro-USD (limit ${event.limit})`), 'ok');
        return;
      case 'context_compacted':
        this.notice(ours(`context compacted: ${event.removedMessages} older messages summarised`));
        return;
      case 'subagent_started':
        this.notice(ours(`sub-agent started: ${cut(safe(event.task), 160)}`));
        return;
      case 'subagent_finished':
        this.notice(ours(`sub-agent ${safe(event.agent.label)} finished: ${safe(event.status)}`));
        return;
      case 'cancelled':
        if (event.agent.depth === 0) this.notice(ours(`cancelled (while the ${event.phase} ran)`), 'warn');
        return;
    }
  }

  error(error: { readonly code: string; readonly message: string }): void {
    this.notice(ours(`error ${safe(error.code)}: ${cut(safe(error.message), 500)}`), 'error');
  }
}
