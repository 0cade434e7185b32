import { z } from 'zod';
import type { RiskLevel, SensitiveAction } from './actions.js';
import type { ApprovalId, PrincipalId, SessionId } from './ids.js';

/** Lifecycle of an approval request; every state but `pending` is final. */
export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** What a human can answer. */
export const APPROVAL_DECISIONS = ['allow_once', 'allow_session', 'allow_always', 'deny'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** Who answered: set by the server from the authenticated connection, never from the client's words. */
export interface DecidedBy {
  readonly principal: PrincipalId;
  readonly frontend: string;
  readonly connection?: string;
}

/** What the human sees beside the summary: built by the runtime from the parsed action. */
export type ApprovalPreview =
  | { readonly kind: 'diff'; readonly path: string; readonly diff: string; readonly baseHash: string | null }
  | {
      readonly kind: 'argv';
      readonly argv: readonly string[];
      readonly cwd?: string;
      readonly sandboxed: boolean;
    }
  | { readonly kind: 'network'; readonly method: string; readonly host: string; readonly port: number }
  | { readonly kind: 'budget'; readonly session: SessionId; readonly amount: number; readonly limit: number }
  | { readonly kind: 'none' };

/** A persistent request for a human decision on one action. */
export interface ApprovalRequest {
  readonly id: ApprovalId;
  readonly session: SessionId;
  readonly principal: PrincipalId;
  readonly action: SensitiveAction;
  readonly actionHash: string;
  readonly risk: RiskLevel;
  /** Built by the runtime from the parsed action, never from the agent's words. */
  readonly summary: string;
  /** Any text the agent supplied, shown apart and labelled as the agent's. */
  readonly agentText?: string;
  readonly preview: ApprovalPreview;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly state: ApprovalState;
  readonly decision?: ApprovalDecision;
  readonly decidedBy?: DecidedBy;
  readonly decidedAt?: number;
  /** A denial's feedback, passed to the agent. */
  readonly reason?: string;
  /** For a budget extension, the amount the human granted (micro-dollars). */
  readonly budgetExtensionMicros?: number;
  /** Audit entries about this request (requested, resolved). */
  readonly auditLinks: { readonly requested?: string; readonly resolved?: string };
}

/** A human's answer to a request. */
export const ApprovalAnswerSchema = z.strictObject({
  decision: z.enum(APPROVAL_DECISIONS),
  reason: z.string().max(4000).optional(),
  /** For a budget extension: the amount the human grants (micro-dollars), if not the one asked. */
  budgetExtensionMicros: z.number().int().positive().optional(),
});
export type ApprovalAnswer = z.infer<typeof ApprovalAnswerSchema>;
