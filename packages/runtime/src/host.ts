import type { AllowanceStore, ApprovalBroker } from '@astrid/approval';
import type { AuditLog } from '@astrid/audit';
import type { CapabilityStore } from '@astrid/capabilities';
import type { ModelPricing } from '@astrid/config';
import type { SensitiveAction, SessionId } from '@astrid/core';
import type { LlmProvider } from '@astrid/llm';
import type { RecheckOptions, Tool } from '@astrid/tools';
import type { WorkspaceBoundary } from '@astrid/workspace';
import type { AgentSession } from './agent-session.js';
import type { ApprovalCarryOver } from './carry-over.js';
import type { ElicitationBroker } from './elicitations.js';
import type { EventHub } from './events.js';
import type { SessionStore } from './record.js';
import type { SubagentRequest, SubagentResult } from './tool-call.js';

/** What the runtime lends every session: the shared parts, wired once in `Runtime.open`. */
export interface SessionHost {
  readonly provider: LlmProvider;
  readonly pricing: ModelPricing;
  readonly maxOutputTokens: number;
  /** Fresh tools for one session (the bash tool keeps a per-session working directory). */
  createTools(): readonly Tool[];
  readonly boundary: WorkspaceBoundary;
  readonly approvals: ApprovalBroker;
  readonly audit: AuditLog;
  readonly capabilities: CapabilityStore;
  readonly allowances: AllowanceStore;
  readonly store: SessionStore;
  readonly events: EventHub;
  readonly carryOver: ApprovalCarryOver;
  /** Questions to the human (elicitations), in memory. */
  readonly elicitations: ElicitationBroker;
  /** The context window, in characters, before older turns are compacted. */
  readonly contextChars: number;
  now(): number;
  /** The admin policy again at execution time; throws POLICY_DENIED. */
  recheckPolicy(action: SensitiveAction, options?: RecheckOptions): Promise<void>;
  /** Runs a sub-agent of `parent` (behind the `task` tool's `runSubagent` callback). */
  runSubagent(
    parent: AgentSession,
    request: SubagentRequest,
    signal: AbortSignal | undefined,
  ): Promise<SubagentResult>;
  /** The session ended: drop it from the live set. */
  forget(id: SessionId): void;
}
