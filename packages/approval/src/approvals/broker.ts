import {
  type ApprovalId,
  AstridError,
  approvalId,
  type PrincipalId,
  type RiskLevel,
  type SensitiveAction,
  type SessionId,
} from '@astrid/core';
import { actionHash, randomId } from '@astrid/crypto';
import type { Database, Store } from '@astrid/storage';
import {
  type ApprovalAnswer,
  ApprovalAnswerSchema,
  type ApprovalPreview,
  type ApprovalRequest,
  type DecidedBy,
  StoredApprovalSchema,
} from './request.js';

/** Events every attached frontend receives. */
export type ApprovalEvent =
  | { readonly type: 'approval_requested'; readonly request: ApprovalRequest }
  | { readonly type: 'approval_resolved'; readonly request: ApprovalRequest };

/**
 * Records approval events in the audit log and returns the entry id. If it throws, the
 * change does not happen (fail closed): a request nobody can audit is not created, and an
 * answer that cannot be audited is not taken.
 */
export type ApprovalAuditHook = (
  event: 'approval_requested' | 'approval_resolved',
  request: ApprovalRequest,
) => Promise<string>;

/** What the runtime supplies to open a request. */
export interface NewApprovalRequest {
  readonly session: SessionId;
  readonly principal: PrincipalId;
  readonly action: SensitiveAction;
  readonly risk: RiskLevel;
  readonly summary: string;
  readonly agentText?: string;
  readonly preview: ApprovalPreview;
  /** How long the request stays open; `approval.timeout` from config. */
  readonly timeoutMs: number;
}

/** Options for {@link ApprovalBroker}. */
export interface ApprovalBrokerOptions {
  readonly now?: () => number;
  readonly audit?: ApprovalAuditHook;
}

interface Waiter {
  resolve(request: ApprovalRequest): void;
}

const STORE = 'approvals';
const PENDING = 'approvals-pending';

/**
 * Persistent approval requests. Resolution is compare-and-swap: the first valid answer
 * wins and any later one gets APPROVAL_ALREADY_RESOLVED. A request with no frontend
 * attached stays pending (the deferred queue) until answered or expired; it is never
 * skipped. Pending requests survive a restart.
 */
export class ApprovalBroker {
  private readonly requests: Store<ApprovalRequest>;
  private readonly pendingIndex: Store<number>;
  private readonly live = new Map<ApprovalId, ApprovalRequest>();
  // Ids whose resolution is being written: the CAS is taken synchronously before any await.
  private readonly resolving = new Set<ApprovalId>();
  private readonly waiters = new Map<ApprovalId, Waiter[]>();
  private readonly timers = new Map<ApprovalId, ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<(event: ApprovalEvent) => void>();
  private readonly now: () => number;
  private readonly audit: ApprovalAuditHook | undefined;

  private constructor(
    private readonly db: Database,
    options: ApprovalBrokerOptions,
  ) {
    this.requests = db.store<ApprovalRequest>(STORE);
    this.pendingIndex = db.store<number>(PENDING);
    this.now = options.now ?? Date.now;
    this.audit = options.audit;
  }

  /** Opens the broker and reloads pending requests; those past their deadline expire now. */
  static async open(db: Database, options: ApprovalBrokerOptions = {}): Promise<ApprovalBroker> {
    const broker = new ApprovalBroker(db, options);
    for await (const [id] of broker.pendingIndex.entries()) {
      const stored = await broker.requests.get(id);
      const parsed = StoredApprovalSchema.safeParse(stored);
      if (!parsed.success || parsed.data.state !== 'pending') {
        // A damaged or already-final record is not pending: drop it from the index only.
        await broker.pendingIndex.del(id, { sync: true });
        continue;
      }
      const request = parsed.data as unknown as ApprovalRequest;
      broker.live.set(request.id, request);
      broker.schedule(request);
    }
    return broker;
  }

  /** Subscribes to request and resolution events; returns the unsubscribe function. */
  subscribe(listener: (event: ApprovalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Creates and persists a pending request and tells every attached frontend. */
  async create(input: NewApprovalRequest): Promise<ApprovalRequest> {
    if (!Number.isSafeInteger(input.timeoutMs) || input.timeoutMs <= 0) {
      throw new RangeError(`"timeoutMs" expected a positive integer, got ${input.timeoutMs}`);
    }
    const createdAt = this.now();
    let request: ApprovalRequest = {
      id: approvalId(randomId('apr')),
      session: input.session,
      principal: input.principal,
      action: input.action,
      actionHash: actionHash(input.action),
      risk: input.risk,
      summary: input.summary,
      ...(input.agentText === undefined ? {} : { agentText: input.agentText }),
      preview: input.preview,
      createdAt,
      expiresAt: createdAt + input.timeoutMs,
      state: 'pending',
      auditLinks: {},
    };
    if (this.audit !== undefined) {
      const entry = await this.audit('approval_requested', request);
      request = { ...request, auditLinks: { requested: entry } };
    }
    await this.db.batch(
      [this.requests.putOp(request.id, request), this.pendingIndex.putOp(request.id, createdAt)],
      {
        sync: true,
      },
    );
    this.live.set(request.id, request);
    this.schedule(request);
    this.emit({ type: 'approval_requested', request });
    return request;
  }

  /** The request with this id (pending or final). */
  async get(id: ApprovalId): Promise<ApprovalRequest> {
    const live = this.live.get(id);
    if (live !== undefined) return live;
    const stored = await this.requests.get(id);
    if (stored === undefined) throw new AstridError('APPROVAL_NOT_FOUND', `no approval request ${id}`);
    return stored;
  }

  /** Every pending request, oldest first: what a frontend shows when it attaches. */
  pending(session?: SessionId): ApprovalRequest[] {
    return [...this.live.values()]
      .filter((r) => session === undefined || r.session === session)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Resolves when the request leaves `pending` (answered, expired or cancelled). */
  async wait(id: ApprovalId): Promise<ApprovalRequest> {
    const request = await this.get(id);
    if (request.state !== 'pending') return request;
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ resolve });
      this.waiters.set(id, list);
    });
  }

  /** Records a human's answer. The first valid answer wins; later ones are refused. */
  async answer(id: ApprovalId, answer: ApprovalAnswer, decidedBy: DecidedBy): Promise<ApprovalRequest> {
    const parsed = ApprovalAnswerSchema.safeParse(answer);
    if (!parsed.success) {
      throw new AstridError(
        'INVALID_ARGUMENT',
        `invalid approval answer: ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    const { decision, reason, budgetExtensionMicros } = parsed.data;
    return this.finish(id, (r) => ({
      ...r,
      state: decision === 'deny' ? 'denied' : 'approved',
      decision,
      decidedBy,
      decidedAt: this.now(),
      ...(reason === undefined ? {} : { reason }),
      ...(budgetExtensionMicros === undefined ? {} : { budgetExtensionMicros }),
    }));
  }

  /** Cancels a pending request (the proposal was withdrawn or the session ended). */
  async cancel(id: ApprovalId, reason = 'cancelled'): Promise<ApprovalRequest> {
    return this.finish(id, (r) => ({ ...r, state: 'cancelled', decidedAt: this.now(), reason }));
  }

  /** Stops expiry timers; pending requests stay stored for the next start. */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private async finish(
    id: ApprovalId,
    change: (r: ApprovalRequest) => ApprovalRequest,
  ): Promise<ApprovalRequest> {
    const current = this.live.get(id);
    if (current === undefined || this.resolving.has(id)) {
      const known = current ?? (await this.requests.get(id));
      if (known === undefined) throw new AstridError('APPROVAL_NOT_FOUND', `no approval request ${id}`);
      throw new AstridError(
        'APPROVAL_ALREADY_RESOLVED',
        `approval request ${id} is already ${known.state === 'pending' ? 'being resolved' : known.state}`,
      );
    }
    this.resolving.add(id);
    try {
      let next = change(current);
      if (this.audit !== undefined) {
        const entry = await this.audit('approval_resolved', next);
        next = { ...next, auditLinks: { ...next.auditLinks, resolved: entry } };
      }
      await this.db.batch([this.requests.putOp(id, next), this.pendingIndex.delOp(id)], { sync: true });
      this.live.delete(id);
      const timer = this.timers.get(id);
      if (timer !== undefined) clearTimeout(timer);
      this.timers.delete(id);
      this.emit({ type: 'approval_resolved', request: next });
      for (const w of this.waiters.get(id) ?? []) w.resolve(next);
      this.waiters.delete(id);
      return next;
    } finally {
      // On failure the request stays pending and can still be answered.
      this.resolving.delete(id);
    }
  }

  private schedule(request: ApprovalRequest): void {
    const delay = Math.max(0, request.expiresAt - this.now());
    const timer = setTimeout(() => {
      this.timers.delete(request.id);
      // Recorded as expiry, never as a user's denial.
      this.finish(request.id, (r) => ({ ...r, state: 'expired', decidedAt: this.now() })).catch(() => {
        // Already resolved, or the write failed: in the latter case retry shortly.
        if (this.live.has(request.id) && !this.timers.has(request.id)) {
          this.timers.set(
            request.id,
            setTimeout(() => this.schedule(request), 1000),
          );
        }
      });
    }, delay);
    timer.unref?.();
    this.timers.set(request.id, timer);
  }

  private emit(event: ApprovalEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A frontend's listener failing must not stop the others from hearing.
      }
    }
  }
}
