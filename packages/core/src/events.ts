import type { RiskLevel, SensitiveAction } from './actions.js';
import type { ApprovalRequest } from './approval.js';
import type { ElicitationOutcome, ElicitationRequest } from './elicitation.js';
import type { SessionId } from './ids.js';
import type { JsonObject } from './json.js';

/** Token counts of one model call; `inputTokens` excludes cache reads and writes (each billed at its own rate). */
export interface LlmUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

/** Which agent an event is about: a session, or a sub-agent and the session tree it belongs to. */
export interface AgentRef {
  readonly session: SessionId;
  /** The top-level session of the tree (itself for a top-level session). */
  readonly root: SessionId;
  /** Set for a sub-agent: the session that spawned it. */
  readonly parent?: SessionId;
  /** 0 for a top-level session, 1 for its sub-agents, ... */
  readonly depth: number;
  /** Human-readable: the session's label, or `sub-agent: <task>` for a child. */
  readonly label: string;
}

/** What a session has spent and holds, in micro-dollars; `limit` undefined means no limit. */
export interface BudgetSnapshot {
  readonly spent: number;
  readonly reserved: number;
  readonly limit: number | undefined;
}

/** How a turn ended. */
export type TurnStatus = 'done' | 'max_turns' | 'cancelled' | 'error' | 'denied';

/**
 * Everything a frontend hears from the runtime. Tool results carry a summary, never the
 * body of a large output; approval events carry the persistent request (answer it through
 * `runtime.approvals`).
 */
export type RuntimeEvent =
  | {
      readonly type: 'turn_started';
      readonly agent: AgentRef;
      readonly turnId: string;
      readonly resumed: boolean;
    }
  | { readonly type: 'text_delta'; readonly agent: AgentRef; readonly text: string }
  | {
      readonly type: 'tool_call_proposed';
      readonly agent: AgentRef;
      readonly callId: string;
      readonly tool: string;
      /** The model's arguments; long string values are cut to a preview. */
      readonly arguments: JsonObject;
    }
  | { readonly type: 'approval_requested'; readonly agent: AgentRef; readonly request: ApprovalRequest }
  | { readonly type: 'approval_resolved'; readonly agent: AgentRef; readonly request: ApprovalRequest }
  | { readonly type: 'elicitation_requested'; readonly agent: AgentRef; readonly request: ElicitationRequest }
  | {
      readonly type: 'elicitation_resolved';
      readonly agent: AgentRef;
      readonly id: string;
      readonly outcome: ElicitationOutcome;
      /** Who answered (connection identity and reported user), when a human did. */
      readonly decidedBy?: string;
    }
  | {
      readonly type: 'auto_apply';
      readonly agent: AgentRef;
      /** Cancel it with `runtime.cancelAutoApply(id)` before `seconds` pass. */
      readonly id: string;
      readonly action: SensitiveAction;
      readonly risk: RiskLevel;
      readonly seconds: number;
    }
  | { readonly type: 'auto_apply_cancelled'; readonly id: string }
  | {
      readonly type: 'tool_result';
      readonly agent: AgentRef;
      readonly callId: string;
      readonly tool: string;
      readonly isError: boolean;
      /** Whether the tool ran (false: denied, invalid arguments, unknown tool). */
      readonly ran: boolean;
      /** At most the first 300 characters of the result. */
      readonly summary: string;
      readonly chars: number;
      readonly meta?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: 'usage';
      readonly agent: AgentRef;
      readonly usage: LlmUsage;
      readonly costMicros: number;
      readonly budget: BudgetSnapshot;
    }
  | {
      readonly type: 'budget_warning';
      readonly agent: AgentRef;
      readonly used: number;
      readonly limit: number;
    }
  | {
      readonly type: 'budget_extended';
      readonly agent: AgentRef;
      readonly by: number;
      readonly limit: number;
    }
  | {
      readonly type: 'context_compacted';
      readonly agent: AgentRef;
      readonly removedMessages: number;
      readonly removedChars: number;
      readonly auditEntry: string;
    }
  | {
      readonly type: 'subagent_started';
      readonly agent: AgentRef;
      readonly task: string;
      readonly budgetMicros: number | undefined;
      readonly mode: string;
    }
  | {
      readonly type: 'subagent_finished';
      readonly agent: AgentRef;
      readonly status: TurnStatus;
      readonly spentMicros: number;
    }
  | {
      readonly type: 'turn_done';
      readonly agent: AgentRef;
      readonly status: TurnStatus;
      readonly steps: number;
      readonly text: string;
    }
  | {
      readonly type: 'error';
      readonly agent: AgentRef;
      /** An LLM error code (`rate_limited`, `connection`, ...) or an Astrid error code. */
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
    }
  | {
      readonly type: 'cancelled';
      readonly agent: AgentRef;
      /** What was running when the turn was cancelled. */
      readonly phase: 'model' | 'tool';
    };

/** A frontend's listener. */
export type RuntimeListener = (event: RuntimeEvent) => void;
