import { type BudgetLedger, type BudgetReservation, formatMicros, isBudgetRefusal } from '@astrid/approval';
import type { SessionId } from '@astrid/core';
import type { WorkspaceMode } from '@astrid/workspace';
import type { AgentSession } from './agent-session.js';
import type { EventHub } from './events.js';
import type { SubagentRequest, SubagentResult } from './tool-call.js';

/** `[subagents]` limits. */
export interface SubagentLimits {
  /** Deepest nesting: 1 allows children but no grandchildren. */
  readonly maxDepth: number;
  /** Sub-agents running at once in one session tree. */
  readonly maxConcurrent: number;
}

/** What the runtime needs to create the child. */
export interface ChildSpec {
  readonly task: string;
  readonly mode: WorkspaceMode;
  /** The child's whole budget (its ledger's session limit); undefined when the parent has no limit. */
  readonly budgetMicros: number | undefined;
}

const STRICTNESS: Record<WorkspaceMode, number> = { safe: 2, guided: 1, autonomous: 0 };

/** True when `mode` lets the agent do more without asking than `than`. */
export function isLooser(mode: WorkspaceMode, than: WorkspaceMode): boolean {
  return STRICTNESS[mode] < STRICTNESS[than];
}

/** A carve-out held on a parent's ledger: settled once, at what the child spent. */
interface BudgetHold {
  commit(spent: number): void;
  refund(): void;
}

/**
 * Holds `amount` on `ledger` for `session`. The ledger refuses a single reservation above its
 * per-action limit, which is meant for one action, not for a sub-agent's whole budget, so a
 * larger carve-out is held as several reservations of at most that limit (all or none).
 */
function holdBudget(ledger: BudgetLedger, session: SessionId, amount: number): BudgetHold | string {
  const first = ledger.reserve(session, amount);
  const parts: BudgetReservation[] = [];
  if (!isBudgetRefusal(first)) parts.push(first);
  else if (first.limit !== 'per_action' || first.available <= 0) return first.reason;
  else {
    for (let left = amount; left > 0; left -= first.available) {
      const part = ledger.reserve(session, Math.min(left, first.available));
      if (isBudgetRefusal(part)) {
        for (const p of parts) p.refund();
        return part.reason;
      }
      parts.push(part);
    }
  }
  return {
    commit(spent) {
      // The first part takes the whole spend (a commit may exceed its hold); the rest go back.
      parts.forEach((p, i) => {
        if (i === 0) p.commit(spent);
        else p.refund();
      });
    },
    refund() {
      for (const p of parts) p.refund();
    },
  };
}

function refused(reason: string): SubagentResult {
  return {
    content: `Sub-agent refused: ${reason}.`,
    isError: true,
    status: 'refused',
    spentMicros: 0,
    tainted: false,
  };
}

/**
 * Starts sub-agents for the `task` tool with authority that can only narrow:
 * - mode: the child's is the parent's or stricter; a looser one is refused;
 * - budget: carved out of what the parent has left (held by a reservation on the parent's
 *   ledger while the child runs, then committed at what the child spent); asking for more
 *   than the parent has is refused; default half of what is left;
 * - tokens and allowances: the child is its own session, so the parent's session tokens and
 *   "Allow Session" allowances do not apply to it (the empty set is a subset); it keeps the
 *   parent's principal, so persistent tokens (Allow Always, scoped to that principal) cover
 *   it exactly as they cover the parent, never more;
 * - taint: a child of a tainted parent starts tainted (its prompt may carry injected text);
 * - depth (`subagents.max_depth`) and concurrency per session tree (`subagents.max_concurrent`).
 */
export class SubagentSupervisor {
  private readonly running = new Map<SessionId, number>();

  constructor(
    private readonly limits: SubagentLimits,
    private readonly spawn: (parent: AgentSession, spec: ChildSpec) => Promise<AgentSession>,
    private readonly events: EventHub,
  ) {}

  /** Sub-agents running now in the tree of `root`. */
  runningIn(root: SessionId): number {
    return this.running.get(root) ?? 0;
  }

  /** Runs one sub-agent to the end of its turn and returns its reply (or why it was refused). */
  async run(parent: AgentSession, request: SubagentRequest, signal?: AbortSignal): Promise<SubagentResult> {
    if (typeof request?.task !== 'string' || request.task.trim().length === 0 || request.task.length > 200) {
      return refused('"task" must be a description of 1-200 characters');
    }
    if (typeof request.prompt !== 'string' || request.prompt.trim().length === 0) {
      return refused('"prompt" must not be empty');
    }
    const depth = parent.ref.depth + 1;
    if (depth > this.limits.maxDepth) {
      return refused(
        `sub-agents may nest at most ${this.limits.maxDepth} deep (subagents.max_depth), this one would be at depth ${depth}`,
      );
    }
    const root = parent.ref.root;
    const count = this.runningIn(root);
    if (count >= this.limits.maxConcurrent) {
      return refused(
        `${count} sub-agents are already running in this session (subagents.max_concurrent = ${this.limits.maxConcurrent})`,
      );
    }
    const mode = request.mode ?? parent.mode;
    if (STRICTNESS[mode] === undefined) return refused(`unknown mode ${JSON.stringify(mode)}`);
    if (isLooser(mode, parent.mode)) {
      return refused(`it asks for ${mode} mode, which is looser than its parent's ${parent.mode} mode`);
    }
    const usage = parent.ledger.usage(parent.id);
    const available =
      usage.limit === undefined ? undefined : Math.max(0, usage.limit - usage.spent - usage.reserved);
    let budget = request.budgetMicros;
    if (budget !== undefined) {
      if (!Number.isSafeInteger(budget) || budget < 0)
        return refused('"budgetMicros" must be a non-negative integer');
      if (available !== undefined && budget > available) {
        return refused(
          `it asks for a budget of ${formatMicros(budget)}, but its parent has only ${formatMicros(available)} left`,
        );
      }
    } else if (available !== undefined) {
      budget = Math.floor(available / 2);
    }
    // Held on the parent's ledger (synchronously, with the count below) while the child runs.
    const hold = holdBudget(parent.ledger, parent.id, budget ?? 0);
    if (typeof hold === 'string') return refused(hold);
    this.running.set(root, count + 1);
    let child: AgentSession | undefined;
    try {
      child = await this.spawn(parent, { task: request.task, mode, budgetMicros: budget });
      this.events.emit({
        type: 'subagent_started',
        agent: child.ref,
        task: request.task,
        budgetMicros: budget,
        mode,
      });
      const result = await child.send(request.prompt, signal === undefined ? {} : { signal });
      const spent = child.ledger.usage(child.id).spent;
      hold.commit(spent);
      this.events.emit({
        type: 'subagent_finished',
        agent: child.ref,
        status: result.status,
        spentMicros: spent,
      });
      const text =
        result.status === 'done'
          ? result.text
          : `The sub-agent stopped (${result.status})${result.error === undefined ? '' : `: ${result.error.message}`}${result.text.length > 0 ? `\n${result.text}` : ''}`;
      return {
        content: text,
        isError: result.status !== 'done',
        status: result.status,
        session: child.id,
        spentMicros: spent,
        tainted: child.tainted,
      };
    } catch (err) {
      hold.refund();
      return {
        ...refused(`it could not be started: ${(err as Error).message}`),
        tainted: child?.tainted ?? false,
      };
    } finally {
      this.running.set(root, (this.running.get(root) ?? 1) - 1);
      if (this.running.get(root) === 0) this.running.delete(root);
      await child?.end().catch(() => undefined);
    }
  }
}
