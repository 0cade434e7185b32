import type {
  ActionKind,
  ApprovalId,
  AuditEntryId,
  AuditSeq,
  JsonValue,
  PrincipalId,
  RiskLevel,
  SessionId,
  TokenId,
} from '@astrid/core';

/**
 * What an audit entry records. `session_*`, `config_*` and `server_*` are lifecycle events;
 * `decision` and `result` bracket every tool call (the verdict with its proof, then the outcome).
 */
export const AUDIT_KINDS = [
  'decision',
  'result',
  'approval_requested',
  'approval_resolved',
  'token_minted',
  'token_revoked',
  'key_rotated',
  'session_created',
  'session_resumed',
  'session_ended',
  'session_deleted',
  'config_loaded',
  'config_changed',
  'server_started',
  'server_stopped',
  'server_failed',
  'budget_extended',
  'context_compacted',
  'lockdown',
  'unlock',
  'frontend_report',
  'elicitation',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** The interceptor's verdict on an action. */
export const VERDICTS = ['allow', 'deny'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** How an operator answered an approval prompt. */
export const APPROVAL_ANSWERS = ['allow_once', 'allow_session', 'allow_always', 'deny'] as const;
export type ApprovalAnswer = (typeof APPROVAL_ANSWERS)[number];

/** How an action ended. */
export const OUTCOME_STATUSES = ['success', 'failure', 'denied', 'cancelled', 'timeout'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** The format version written in every entry. */
export const ENTRY_VERSION = 1;

/** `prevHash` of the first entry (seq 0): 32 zero bytes in hex. */
export const GENESIS_HASH = '0'.repeat(64);

/** An action as the log keeps it: kind, resource URI and redacted parameters. */
export interface ActionSummary {
  readonly kind: ActionKind;
  readonly resource: string;
  /** The action's fields other than `kind`, after {@link redact}. */
  readonly params: JsonValue;
}

/** Who approved an action, from which frontend, and how. */
export interface ApprovalProof {
  readonly approvalId: ApprovalId;
  readonly approvedBy: PrincipalId;
  /** The frontend the answer came from (`cli`, `telegram`, ...). */
  readonly frontend: string;
  readonly answer?: ApprovalAnswer;
}

/** The budget figures a decision was checked against, in integer micro-dollars. */
export interface BudgetProof {
  readonly costMicros?: number;
  readonly spentMicros?: number;
  readonly limitMicros?: number;
}

/** What justified a verdict: any of a policy rule, a token, an approval, an allowance, a budget check. */
export interface DecisionProof {
  readonly policyRuleId?: string;
  readonly tokenId?: TokenId;
  readonly approval?: ApprovalProof;
  readonly allowanceId?: string;
  readonly budget?: BudgetProof;
}

/** A verdict and its proof. */
export interface AuditDecision {
  readonly verdict: Verdict;
  /** Human-readable reason, redacted. */
  readonly reason?: string;
  readonly risk?: RiskLevel;
  readonly proof?: DecisionProof;
}

/** How an action ended. `error` is redacted and capped. */
export interface AuditOutcome {
  readonly status: OutcomeStatus;
  readonly error?: string;
  readonly exitCode?: number;
  readonly durationMs?: number;
}

/** Tool output as the log keeps it: BLAKE3 (hex) of the bytes and their length, never the bytes. */
export interface OutputDigest {
  readonly hash: string;
  readonly length: number;
}

/**
 * One entry of the chain. Field names are camelCase, like the rest of Astrid's JSON.
 * `hash` = BLAKE3 (hex) of the canonical JSON of every other field; `prevHash` is the
 * previous entry's `hash` ({@link GENESIS_HASH} for seq 0).
 */
export interface AuditEntry {
  readonly version: typeof ENTRY_VERSION;
  readonly seq: AuditSeq;
  readonly id: AuditEntryId;
  /** Milliseconds since the epoch, from the log's injected clock. */
  readonly timestamp: number;
  readonly sessionId?: SessionId;
  readonly principal: PrincipalId;
  readonly kind: AuditKind;
  readonly action?: ActionSummary;
  readonly decision?: AuditDecision;
  readonly outcome?: AuditOutcome;
  readonly output?: OutputDigest;
  /** Event-specific data (a config key path, a token id, a server name), redacted. */
  readonly details?: JsonValue;
  readonly prevHash: string;
  readonly hash: string;
}
