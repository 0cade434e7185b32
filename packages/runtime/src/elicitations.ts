import {
  type AgentRef,
  AstridError,
  type ElicitationContent,
  ElicitationFieldSchema,
  type ElicitationOutcome,
  type ElicitationQuestion,
  type ElicitationRequest,
  type ElicitationResult,
  elicitationContentProblem,
  type RuntimeEvent,
  type SessionId,
} from '@astrid/core';
import { randomId } from '@astrid/crypto';
import { z } from 'zod';

/** How long a question waits when neither the asker nor config says (`[approval] timeout_seconds`'s default). */
export const DEFAULT_ELICITATION_TIMEOUT_MS = 600_000;
/** The longest an asker may make the human's question wait: one day. */
export const MAX_ELICITATION_TIMEOUT_MS = 86_400_000;
// How many answered ids are remembered, so a late answer is told "already resolved" rather
// than "not found". Bounded: the memory of a long-running daemon must not grow per question.
const RESOLVED_MEMORY = 1024;

// A source is shown as a label: no control characters (no terminal escapes, no new lines).
function hasNoControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

const QuestionSchema = z.strictObject({
  source: z.string().min(1).max(256).refine(hasNoControl, 'expected no control characters'),
  message: z.string().max(8000),
  fields: z
    .array(ElicitationFieldSchema)
    .max(50)
    .refine(
      (fields) => new Set(fields.map((f) => f.name)).size === fields.length,
      'expected unique field names',
    ),
});

/** How a frontend answered (the `elicitation.respond` params, validated). */
export interface ElicitationAnswer {
  readonly action: 'accept' | 'decline' | 'cancel';
  /** With `accept`: one value per field; ignored otherwise. */
  readonly content?: Readonly<Record<string, unknown>>;
}

/** Who answered: recorded in the event and the audit entry. */
export interface ElicitationResponder {
  /** The user the frontend reports, else its connection (an audit principal id). */
  readonly principal: string;
  /** Connection identity and reported user, as shown to other frontends. */
  readonly decidedBy: string;
}

/** Options of {@link ElicitationBroker.ask}. */
export interface ElicitOptions {
  /** Aborting it withdraws the question: it resolves `cancel`. */
  readonly signal?: AbortSignal;
  /** Default: the broker's (`[approval] timeout_seconds`); at most one day. */
  readonly timeoutMs?: number;
}

/** What is audited when an elicitation ends: names and outcome, never a value. */
export interface ElicitationAuditRecord {
  readonly request: ElicitationRequest;
  readonly outcome: ElicitationOutcome;
  readonly by?: ElicitationResponder;
  /** Why it was cancelled without an answer (session cancelled, lockdown, withdrawn). */
  readonly reason?: string;
}

/** What the broker needs from the runtime. */
export interface ElicitationBrokerOptions {
  readonly now: () => number;
  /** Default {@link DEFAULT_ELICITATION_TIMEOUT_MS}. */
  readonly defaultTimeoutMs?: number;
  readonly emit: (event: RuntimeEvent) => void;
  readonly refFor: (session: SessionId) => AgentRef;
  /** Appends the audit entry; a failure keeps an answer's content from reaching the asker. */
  readonly audit: (record: ElicitationAuditRecord) => Promise<void>;
  /** True while the kill switch is engaged: questions are cancelled at once. */
  readonly lockedDown?: () => boolean;
}

interface Pending {
  readonly request: ElicitationRequest;
  readonly ref: AgentRef;
  readonly resolve: (result: ElicitationResult) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly detach: () => void;
}

/**
 * Questions from MCP servers, capsules and tools to the human, asked through every attached
 * frontend. The first valid answer wins (decided synchronously, before any await); a wrong
 * answer is refused and the question stays pending; nobody answering in time resolves
 * `expired`. Pending questions live in memory only: their askers (a server process, a tool
 * call) do not survive a restart either. Answer values go to the asker and nowhere else:
 * events and audit entries carry field names and the outcome only.
 */
export class ElicitationBroker {
  private readonly pendingById = new Map<string, Pending>();
  private readonly resolved = new Map<string, ElicitationOutcome>();

  constructor(private readonly options: ElicitationBrokerOptions) {}

  /** Asks the human; resolves with the outcome, and the content when they accepted. */
  ask(
    session: SessionId,
    question: ElicitationQuestion,
    options: ElicitOptions = {},
  ): Promise<ElicitationResult> {
    const parsed = QuestionSchema.safeParse(question);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RangeError(
        `"question${issue?.path.map((p) => `.${String(p)}`).join('') ?? ''}" ${issue?.message}`,
      );
    }
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_ELICITATION_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_ELICITATION_TIMEOUT_MS) {
      throw new RangeError(`"timeoutMs" expected 1-${MAX_ELICITATION_TIMEOUT_MS}, got ${timeoutMs}`);
    }
    const now = this.options.now();
    const request: ElicitationRequest = {
      id: randomId('eli'),
      session,
      source: parsed.data.source,
      message: parsed.data.message,
      fields: parsed.data.fields,
      createdAt: now,
      expiresAt: now + timeoutMs,
    };
    // Under lockdown, or withdrawn before it was asked: nobody is asked; still audited.
    const early = this.options.lockedDown?.() === true ? 'the daemon is in lockdown' : undefined;
    if (early !== undefined || options.signal?.aborted) {
      const reason = early ?? 'withdrawn by the asker';
      return this.options.audit({ request, outcome: 'cancel', reason }).then(
        () => ({ outcome: 'cancel' }),
        () => ({ outcome: 'cancel' }),
      );
    }
    return new Promise<ElicitationResult>((resolve) => {
      const { signal } = options;
      const onAbort = () => void this.finish(request.id, 'cancel', { reason: 'withdrawn by the asker' });
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => void this.finish(request.id, 'expired', {}), timeoutMs);
      timer.unref?.();
      const ref = this.options.refFor(session);
      this.pendingById.set(request.id, {
        request,
        ref,
        resolve,
        timer,
        detach: () => signal?.removeEventListener('abort', onAbort),
      });
      this.options.emit({ type: 'elicitation_requested', agent: ref, request });
    });
  }

  /**
   * Answers a pending question. ELICITATION_NOT_FOUND for an unknown id,
   * ELICITATION_ALREADY_RESOLVED when another answer (or expiry) came first; an `accept`
   * whose content does not fit the fields is a RangeError and the question stays pending.
   */
  async respond(
    id: string,
    answer: ElicitationAnswer,
    by?: ElicitationResponder,
  ): Promise<{ readonly id: string; readonly outcome: ElicitationAnswer['action'] }> {
    const entry = this.pendingById.get(id);
    if (entry === undefined) {
      if (this.resolved.has(id)) {
        throw new AstridError('ELICITATION_ALREADY_RESOLVED', `elicitation ${id} was already resolved`, {
          details: { outcome: this.resolved.get(id) },
        });
      }
      throw new AstridError('ELICITATION_NOT_FOUND', `no pending elicitation ${id}`);
    }
    let content: ElicitationContent | undefined;
    if (answer.action === 'accept') {
      const given = answer.content ?? {};
      // The message names the field, never its value: the value may be a secret.
      const problem = elicitationContentProblem(entry.request.fields, given);
      if (problem !== undefined) throw new RangeError(`"content": ${problem}`);
      content = Object.freeze({ ...(given as ElicitationContent) });
    }
    await this.finish(id, answer.action, { ...(by === undefined ? {} : { by }), content });
    return { id, outcome: answer.action };
  }

  /** The pending questions, all or those of a session and its sub-agents. */
  pending(session?: SessionId): ElicitationRequest[] {
    const out: ElicitationRequest[] = [];
    for (const p of this.pendingById.values()) {
      if (session === undefined || p.request.session === session || p.ref.root === session)
        out.push(p.request);
    }
    return out;
  }

  /** Cancels the pending questions of a session and its sub-agents; resolves to how many. */
  cancelSession(session: SessionId, reason: string): Promise<number> {
    return this.cancelWhere((p) => p.request.session === session || p.ref.root === session, reason);
  }

  /** Cancels every pending question (the kill switch, the runtime closing). */
  cancelAll(reason: string): Promise<number> {
    return this.cancelWhere(() => true, reason);
  }

  private async cancelWhere(match: (p: Pending) => boolean, reason: string): Promise<number> {
    // Every match leaves the pending set synchronously (inside finish, before its first
    // await), so no answer can slip in while the audits are written.
    const done = [...this.pendingById.values()]
      .filter(match)
      .map((p) => this.finish(p.request.id, 'cancel', { reason }).catch(() => undefined));
    await Promise.all(done);
    return done.length;
  }

  private async finish(
    id: string,
    outcome: ElicitationOutcome,
    extra: { by?: ElicitationResponder; content?: ElicitationContent | undefined; reason?: string },
  ): Promise<void> {
    const entry = this.pendingById.get(id);
    if (entry === undefined) return;
    // First answer wins: from here on the id is resolved for everyone else.
    this.pendingById.delete(id);
    clearTimeout(entry.timer);
    entry.detach();
    this.remember(id, outcome);
    let delivered = outcome;
    let failure: unknown;
    try {
      await this.options.audit({
        request: entry.request,
        outcome,
        ...(extra.by === undefined ? {} : { by: extra.by }),
        ...(extra.reason === undefined ? {} : { reason: extra.reason }),
      });
    } catch (err) {
      // Fail closed: an answer that could not be audited is not handed to the asker.
      failure = err;
      if (outcome === 'accept') delivered = 'cancel';
    }
    entry.resolve(
      delivered === 'accept' && extra.content !== undefined
        ? { outcome: 'accept', content: extra.content }
        : { outcome: delivered },
    );
    this.options.emit({
      type: 'elicitation_resolved',
      agent: entry.ref,
      id,
      outcome: delivered,
      ...(extra.by === undefined ? {} : { decidedBy: extra.by.decidedBy }),
    });
    if (failure !== undefined) throw failure;
  }

  private remember(id: string, outcome: ElicitationOutcome): void {
    this.resolved.set(id, outcome);
    if (this.resolved.size > RESOLVED_MEMORY) {
      const oldest = this.resolved.keys().next();
      if (oldest.done !== true) this.resolved.delete(oldest.value);
    }
  }
}
