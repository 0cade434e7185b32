import type { AppendOptions, AuditAppendInput } from '@astrid/audit';
import type { CapabilityStore } from '@astrid/capabilities';
import type { ErrorCode, InputClass, PrincipalId, RiskLevel, SensitiveAction, SessionId } from '@astrid/core';
import type { EscapePolicy, WorkspaceBoundary, WorkspaceMode } from '@astrid/workspace';
import type { AllowanceStore } from './allowances.js';
import type { ApprovalBroker } from './approvals/broker.js';
import type { ApprovalPreview } from './approvals/request.js';
import type { Authorization, EpochSource } from './authorization.js';
import type { BudgetLedger } from './budget/ledger.js';
import type { Micros } from './budget/money.js';

/** The stage of the pipeline that decided. */
export type InterceptStage = 'policy' | 'token' | 'allowance' | 'budget' | 'mode' | 'approval' | 'audit';

/** What the policy stage says about an action (admin hard limits; a deny is final). */
export type PolicyResult =
  | { readonly verdict: 'deny'; readonly rule: string; readonly reason: string }
  | {
      readonly verdict: 'pass';
      /** The text cannot say what runs: never auto-allowed, critical risk, in every mode. */
      readonly unresolved?: readonly string[];
      /** It runs code chosen at run time (shells, wrappers, build tools): Allow Once only. */
      readonly runsCode?: readonly string[];
      /** It has an effect the text does not name (a git remote): always ask. */
      readonly hidden?: readonly string[];
    };

/** The admin policy, as the interceptor needs it. */
export interface PolicyStage {
  evaluate(action: SensitiveAction, ctx: { readonly workspaceRoot: string }): Promise<PolicyResult>;
}

/** The audit log, as the interceptor needs it: append resolves once the entry is durable. */
export interface AuditSink {
  append(
    input: AuditAppendInput,
    options?: AppendOptions,
  ): Promise<{ readonly id: string; readonly seq: number }>;
}

/** Settings taken from the resolved config. */
export interface InterceptorSettings {
  readonly mode: WorkspaceMode;
  readonly escapePolicy: EscapePolicy;
  readonly allowedCommands: readonly string[];
  /** Seconds an auto-applied high-risk action waits, cancellable; 0 disables. */
  readonly countdownSeconds: number;
  readonly approvalTimeoutMs: number;
  readonly allowAlwaysTtlMs: number;
  readonly actionCostsMicros: Readonly<Partial<Record<SensitiveAction['kind'], Micros>>>;
  /** Once untrusted content entered a session, never auto-apply commands or network. */
  readonly escalateAfterUntrusted: boolean;
  /** Whether commands run sandboxed (shown on approval cards). */
  readonly sandboxed: boolean;
}

/** Everything the interceptor is wired to. */
export interface InterceptorDeps {
  readonly policy: PolicyStage;
  readonly boundary: WorkspaceBoundary;
  readonly tokens: Pick<CapabilityStore, 'findCovering' | 'verify' | 'authorize' | 'mint'>;
  readonly budget: BudgetLedger;
  readonly approvals: ApprovalBroker;
  readonly allowances: AllowanceStore;
  readonly audit: AuditSink;
  readonly epochs: EpochSource;
  /** True while the kill switch is engaged: every action is denied, before any other stage. */
  readonly lockedDown?: () => boolean;
  readonly settings: InterceptorSettings;
  readonly now?: () => number;
  readonly onEvent?: (event: InterceptorEvent) => void;
}

/** Who proposes, in which session, and how much it is trusted. */
export interface InterceptContext {
  readonly session: SessionId;
  readonly principal: PrincipalId;
  readonly inputClass: InputClass;
  /** Untrusted content (tool output, web, MCP) has entered this session. */
  readonly tainted: boolean;
  /** For a per-workspace budget. */
  readonly workspace?: string;
  /** Text the agent supplied about the call, shown apart and labelled as the agent's. */
  readonly agentText?: string;
  /** A richer preview than the default (a diff for writes and edits). */
  readonly preview?: ApprovalPreview;
  /** Cost to reserve in micro-dollars (an LLM request's worst case); default from config. */
  readonly cost?: Micros;
  /** The agent loop's own LLM request. */
  readonly sessionOwned?: boolean;
  /** Cancels a wait for approval or a countdown. */
  readonly signal?: AbortSignal;
  /**
   * Settles once the caller's own state is durable (a session save still being written).
   * The checks that only read run meanwhile; nothing is recorded, asked or consumed (audit
   * entry, approval request, single-use token) before it has settled, and if it rejects,
   * `intercept` rejects with its error and the action is neither allowed nor recorded.
   */
  readonly precondition?: Promise<void>;
}

/** Proof of what authorized an allowed action. */
export interface GrantProof {
  readonly stage: InterceptStage;
  readonly rule?: string;
  readonly tokenId?: string;
  readonly allowanceId?: string;
  readonly approvalId?: string;
}

/** The interceptor's answer. */
export type InterceptResult =
  | {
      readonly allowed: true;
      readonly authorization: Authorization;
      readonly decisionEntry: string;
      readonly risk: RiskLevel;
      readonly proof: GrantProof;
    }
  | {
      readonly allowed: false;
      readonly stage: InterceptStage;
      readonly code: ErrorCode;
      /** Readable by the agent: why, and what the human said if they denied with feedback. */
      readonly reason: string;
      readonly decisionEntry?: string;
    };

/** Events for frontends. */
export type InterceptorEvent =
  | {
      readonly type: 'auto_apply';
      readonly id: string;
      readonly session: SessionId;
      readonly action: SensitiveAction;
      readonly risk: RiskLevel;
      readonly seconds: number;
    }
  | { readonly type: 'auto_apply_cancelled'; readonly id: string };

/** Options of {@link SecurityInterceptor.execute} and `executeAll`. */
export interface ExecuteOptions<T> {
  /**
   * Called with the value once `run` has succeeded, while its result entry is written rather
   * than after: the caller's own record of the value (a session save) overlaps that write.
   * Both must succeed; `execute` rejects with the entry's failure, else this one's, once both
   * have settled.
   */
  readonly alongside?: (value: T) => Promise<void>;
}

/** What a tool run returns to {@link SecurityInterceptor.execute}. */
export interface ToolRun<T> {
  readonly value: T;
  /** Output bytes or text: audited as BLAKE3 hash and length only. */
  readonly output?: Uint8Array | string;
  /** Actual cost in micro-dollars (LLM usage); default: the reserved amount. */
  readonly cost?: Micros;
  readonly exitCode?: number;
}
