import type { AgentRef, ApprovalDecision, ElicitationRequest, RiskLevel } from '@astrid/core';
import type { ApprovalCardModel } from './approval-card.js';
import type { SafeText } from './safe-text.js';

/** A tool call's status as the chat shows it. */
export type ToolStatus = 'proposed' | 'waiting' | 'running' | 'done' | 'failed' | 'denied';

/** One item of the conversation; every string is sanitised. */
export type Entry =
  | { readonly id: number; readonly kind: 'user'; readonly text: SafeText }
  | {
      readonly id: number;
      readonly kind: 'reply';
      /** The session (or sub-agent) that wrote it. */
      readonly agent: string;
      /** Set for a sub-agent: whose words these are. */
      readonly label?: SafeText;
      readonly text: SafeText;
    }
  | {
      readonly id: number;
      readonly kind: 'tool';
      readonly agent: string;
      readonly callId: string;
      readonly tool: SafeText;
      readonly target: SafeText;
      readonly status: ToolStatus;
      readonly summary?: SafeText;
      readonly approvalId?: string;
    }
  | { readonly id: number; readonly kind: 'notice'; readonly tone: NoticeTone; readonly text: SafeText };

export type NoticeTone = 'info' | 'ok' | 'warn' | 'error';

/** What a human answers on the card. */
export interface CardAnswer {
  readonly decision: ApprovalDecision;
  readonly reason?: string;
}

/** An approval request waiting for this terminal's answer. */
export interface PendingApproval {
  readonly id: string;
  readonly card: ApprovalCardModel;
}

/** An auto-apply countdown on screen. */
export interface CountdownView {
  readonly id: string;
  readonly kind: SafeText;
  readonly target: SafeText;
  readonly risk: RiskLevel;
  /** When it applies (the controller's clock). */
  readonly deadline: number;
}

/** An elicitation waiting for this terminal's answer (the request's strings are sanitised by the form). */
export interface PendingElicitation {
  readonly id: string;
  readonly request: ElicitationRequest;
}

/** Everything the view renders. Immutable: every change makes a new object. */
export interface ChatState {
  readonly sessionId: string;
  readonly sessionLabel: SafeText;
  /** "demo agent (no model configured)" or "anthropic/claude-...". */
  readonly provider: SafeText;
  readonly demo: boolean;
  /** Finished entries, append-only (the view prints each once). */
  readonly transcript: readonly Entry[];
  /** The running turn's entries (they still change). */
  readonly live: readonly Entry[];
  readonly running: boolean;
  readonly approvals: readonly PendingApproval[];
  readonly countdowns: readonly CountdownView[];
  readonly elicitations: readonly PendingElicitation[];
  /** A transient hint under the prompt ("press Ctrl-C again to exit"). */
  readonly hint?: SafeText;
  /** Spent and limit in micro-dollars, from the last usage event. */
  readonly spentMicros: number;
  readonly limitMicros: number | undefined;
}

/** What a listener hears: a new state, a streamed text delta, or a finished line (for plain output). */
export type ChatChange =
  | { readonly type: 'state' }
  | { readonly type: 'text'; readonly delta: SafeText; readonly agent: AgentRef }
  | { readonly type: 'line'; readonly entry: Entry };

/** Holds the chat state and tells listeners about each change. */
export class ChatStore {
  private current: ChatState;
  private readonly listeners = new Set<(change: ChatChange) => void>();
  private nextId = 1;

  constructor(initial: ChatState) {
    this.current = initial;
  }

  /** The current state snapshot. */
  get state(): ChatState {
    return this.current;
  }

  /** Listens to changes; returns the function that stops listening. */
  subscribe(listener: (change: ChatChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A fresh entry id. */
  id(): number {
    return this.nextId++;
  }

  /** Replaces the state with `patch` applied and tells the listeners. */
  update(patch: (s: ChatState) => Partial<ChatState>): void {
    this.current = { ...this.current, ...patch(this.current) };
    this.emit({ type: 'state' });
  }

  /** Tells the listeners something other than a state change. */
  emit(change: ChatChange): void {
    for (const l of this.listeners) l(change);
  }

  /** Adds an entry: to the running turn when one runs (keeps the order), else to the transcript. */
  add(entry: Entry): void {
    this.update((s) => (s.running ? { live: [...s.live, entry] } : { transcript: [...s.transcript, entry] }));
  }

  /** Changes one live entry in place (a tool line's status). */
  patchLive(match: (e: Entry) => boolean, patch: (e: Entry) => Entry): Entry | undefined {
    let changed: Entry | undefined;
    const live = [...this.current.live];
    for (let i = live.length - 1; i >= 0; i--) {
      const e = live[i] as Entry;
      if (match(e)) {
        changed = patch(e);
        live[i] = changed;
        break;
      }
    }
    if (changed !== undefined) this.update(() => ({ live }));
    return changed;
  }

  /** Ends the running turn: its entries move to the transcript. */
  finishTurn(): void {
    this.update((s) => ({ transcript: [...s.transcript, ...s.live], live: [], running: false }));
  }
}
