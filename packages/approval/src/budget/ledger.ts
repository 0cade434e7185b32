import { AstridError, type SessionId } from '@astrid/core';
import { formatMicros, type Micros } from './money.js';

/** Limits in micro-dollars; `undefined` means no limit at that level. */
export interface BudgetLimits {
  readonly sessionMax?: Micros;
  readonly perActionMax?: Micros;
  readonly workspaceMax?: Micros;
  /** Emit one `budget_warning` per session when spent + reserved reaches this share (1-100). */
  readonly warnAtPercent?: number;
}

/** Events the ledger emits; the runtime turns them into notifications and audit entries. */
export type BudgetEvent =
  | {
      readonly type: 'budget_warning';
      readonly session: SessionId;
      readonly used: Micros;
      readonly limit: Micros;
    }
  | {
      readonly type: 'budget_extended';
      readonly session: SessionId;
      readonly by: Micros;
      readonly limit: Micros;
    };

/** Why a reservation was refused. */
export type BudgetRefusal = {
  readonly ok: false;
  readonly limit: 'per_action' | 'session' | 'workspace';
  readonly requested: Micros;
  readonly available: Micros;
  readonly reason: string;
};

interface Account {
  spent: Micros;
  reserved: Micros;
  extra: Micros;
  warned: boolean;
}

/**
 * A held amount. Settle it exactly once: `commit` the actual cost on success, `refund` on a
 * denial, an error or a cancellation. Settling twice is a no-op for refund and an error for
 * commit, so a finally-block refund after a commit cannot give money back.
 */
export class BudgetReservation {
  private settled = false;

  /** @internal */
  constructor(
    private readonly ledger: BudgetLedger,
    readonly session: SessionId,
    readonly workspace: string | undefined,
    readonly amount: Micros,
  ) {}

  /** True once committed or refunded. */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Charges the actual cost (which may differ from the reserved worst case) and releases the hold. */
  commit(actual: Micros = this.amount): void {
    if (this.settled) throw new AstridError('INTERNAL', 'budget reservation already settled');
    if (!Number.isSafeInteger(actual) || actual < 0)
      throw new RangeError(`"actual" expected non-negative micros, got ${actual}`);
    this.settled = true;
    this.ledger.settle(this, actual);
  }

  /** Releases the hold without charging anything. Idempotent. */
  refund(): void {
    if (this.settled) return;
    this.settled = true;
    this.ledger.settle(this, 0);
  }
}

/**
 * Per-session (and optional per-workspace) spending with atomic check-and-reserve:
 * `reserve` is synchronous, so no other call can interleave between the check and the hold.
 * State is in memory; the runtime persists `spent` with the session record.
 */
export class BudgetLedger {
  private readonly sessions = new Map<SessionId, Account>();
  private readonly workspaces = new Map<string, Account>();

  constructor(
    private readonly limits: BudgetLimits,
    private readonly onEvent: (event: BudgetEvent) => void = () => {},
  ) {
    for (const [k, v] of Object.entries(limits)) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 0))
        throw new RangeError(`"${k}" expected non-negative integer, got ${v}`);
    }
  }

  /** Holds `amount` for an action, or says which limit refuses it. Never awaits. */
  reserve(session: SessionId, amount: Micros, workspace?: string): BudgetReservation | BudgetRefusal {
    if (!Number.isSafeInteger(amount) || amount < 0)
      throw new RangeError(`"amount" expected non-negative micros, got ${amount}`);
    const { perActionMax, sessionMax, workspaceMax } = this.limits;
    if (perActionMax !== undefined && amount > perActionMax) {
      return refusal(
        'per_action',
        amount,
        perActionMax,
        `costs ${formatMicros(amount)}, over the per-action limit of ${formatMicros(perActionMax)}`,
      );
    }
    const acct = this.account(this.sessions, session);
    if (sessionMax !== undefined) {
      const available = sessionMax + acct.extra - acct.spent - acct.reserved;
      if (amount > available) {
        return refusal(
          'session',
          amount,
          Math.max(0, available),
          `costs ${formatMicros(amount)}, but only ${formatMicros(Math.max(0, available))} of the session budget is left`,
        );
      }
    }
    let ws: Account | undefined;
    if (workspace !== undefined && workspaceMax !== undefined) {
      ws = this.account(this.workspaces, workspace);
      const available = workspaceMax + ws.extra - ws.spent - ws.reserved;
      if (amount > available) {
        return refusal(
          'workspace',
          amount,
          Math.max(0, available),
          `costs ${formatMicros(amount)}, but only ${formatMicros(Math.max(0, available))} of the workspace budget is left`,
        );
      }
    }
    acct.reserved += amount;
    if (ws !== undefined) ws.reserved += amount;
    this.maybeWarn(session, acct);
    return new BudgetReservation(this, session, ws === undefined ? undefined : workspace, amount);
  }

  /** @internal Called by {@link BudgetReservation}. */
  settle(r: BudgetReservation, actual: Micros): void {
    const acct = this.account(this.sessions, r.session);
    acct.reserved -= r.amount;
    acct.spent += actual;
    if (r.workspace !== undefined) {
      const ws = this.account(this.workspaces, r.workspace);
      ws.reserved -= r.amount;
      ws.spent += actual;
    }
    this.maybeWarn(r.session, acct);
  }

  /** Raises a session's limit by `by` (after a human approved the extension). */
  extend(session: SessionId, by: Micros): void {
    if (!Number.isSafeInteger(by) || by <= 0)
      throw new RangeError(`"by" expected positive micros, got ${by}`);
    const acct = this.account(this.sessions, session);
    acct.extra += by;
    acct.warned = false;
    const limit = (this.limits.sessionMax ?? 0) + acct.extra;
    this.onEvent({ type: 'budget_extended', session, by, limit });
  }

  /** Restores a session's committed spend (from its persisted record). */
  restore(session: SessionId, spent: Micros, extra: Micros = 0): void {
    const acct = this.account(this.sessions, session);
    acct.spent = spent;
    acct.extra = extra;
  }

  /** What a session has spent, holds in flight, and its current limit. */
  usage(session: SessionId): { spent: Micros; reserved: Micros; limit: Micros | undefined } {
    const acct = this.account(this.sessions, session);
    const limit = this.limits.sessionMax === undefined ? undefined : this.limits.sessionMax + acct.extra;
    return { spent: acct.spent, reserved: acct.reserved, limit };
  }

  private maybeWarn(session: SessionId, acct: Account): void {
    const { sessionMax, warnAtPercent } = this.limits;
    if (sessionMax === undefined || warnAtPercent === undefined || acct.warned) return;
    const limit = sessionMax + acct.extra;
    const used = acct.spent + acct.reserved;
    if (limit > 0 && used * 100 >= limit * warnAtPercent) {
      acct.warned = true;
      this.onEvent({ type: 'budget_warning', session, used, limit });
    }
  }

  private account<K>(map: Map<K, Account>, key: K): Account {
    let acct = map.get(key);
    if (acct === undefined) {
      acct = { spent: 0, reserved: 0, extra: 0, warned: false };
      map.set(key, acct);
    }
    return acct;
  }
}

function refusal(
  limit: BudgetRefusal['limit'],
  requested: Micros,
  available: Micros,
  reason: string,
): BudgetRefusal {
  return { ok: false, limit, requested, available, reason };
}

/** True when `reserve` refused. */
export function isBudgetRefusal(r: BudgetReservation | BudgetRefusal): r is BudgetRefusal {
  return !(r instanceof BudgetReservation);
}
