import type { ApprovalBroker, ApprovalRequest } from '@astrid/approval';
import { type ApprovalId, approvalId } from '@astrid/core';

function key(r: ApprovalRequest): string {
  // A budget extension and the action it was for share the action hash: keep them apart, so
  // "extend the budget" is never carried over as "run the action".
  return `${r.session}\n${r.principal}\n${r.actionHash}\n${r.preview.kind === 'budget' ? 'budget' : 'action'}`;
}

/**
 * Carries a human's answer across a restart. The interceptor's wait for an approval dies
 * with the process, and an Authorization cannot outlive it; after the restart the session
 * re-plans the call, and the interceptor (policy and budget checked again, now) asks for the
 * same action again. That new request is answered here with the answer the human gave to the
 * request from before the restart, so the human is not asked twice.
 *
 * Why this is sound: the answer is only reused for a request from the same session and
 * principal for exactly the same action (same BLAKE3 action hash; an edit whose file changed
 * meanwhile hashes differently and is asked again), each original answers at most one new
 * request, and the new request's resolution names the original in `decidedBy.connection`,
 * so the audit log links both.
 */
export class ApprovalCarryOver {
  private readonly carried = new Map<string, ApprovalRequest[]>();
  private readonly answered = new Set<ApprovalId>();

  constructor(private readonly broker: ApprovalBroker) {}

  /** Offers an approved request from before the restart; returns a function that withdraws it. */
  register(original: ApprovalRequest): () => void {
    if (
      original.state !== 'approved' ||
      original.decision === undefined ||
      original.decidedBy === undefined
    ) {
      throw new RangeError(`approval ${original.id} is ${original.state}, not approved`);
    }
    const k = key(original);
    const list = this.carried.get(k) ?? [];
    list.push(original);
    this.carried.set(k, list);
    return () => {
      const current = this.carried.get(k);
      const i = current?.indexOf(original) ?? -1;
      if (current !== undefined && i >= 0) current.splice(i, 1);
      if (current?.length === 0) this.carried.delete(k);
    };
  }

  /**
   * Called for every new request, before frontends hear of it. Returns true when it answers
   * the request from a carried approval (the frontends then need not see it).
   */
  handle(request: ApprovalRequest): boolean {
    const k = key(request);
    const original = this.carried.get(k)?.shift();
    if (original === undefined) return false;
    if (this.carried.get(k)?.length === 0) this.carried.delete(k);
    this.answered.add(request.id);
    const decidedBy = original.decidedBy;
    const decision = original.decision;
    if (decidedBy === undefined || decision === undefined || decision === 'deny') return false;
    // Answered on a later tick, as a frontend would: the interceptor is about to wait for it.
    setImmediate(() => {
      this.broker
        .answer(
          approvalId(request.id),
          { decision, ...(original.reason === undefined ? {} : { reason: original.reason }) },
          {
            principal: decidedBy.principal,
            frontend: decidedBy.frontend,
            connection: `carried-over:${original.id}`,
          },
        )
        .catch(() => {
          // Already resolved (cancelled by the turn, expired): nothing to carry.
        });
    });
    return true;
  }

  /** True (once) for a request this class answered: its resolution is not news to frontends. */
  takeAnswered(id: ApprovalId): boolean {
    return this.answered.delete(id);
  }
}
