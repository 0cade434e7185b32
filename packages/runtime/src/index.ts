export {
  AgentSession,
  type AgentSessionParts,
  type TurnOptions,
} from './agent-session.js';
export { previewArguments, TASK_TOOL } from './call-runner.js';
export { ApprovalCarryOver } from './carry-over.js';
export { type Compaction, type CompactOptions, compactHistory, messageChars } from './context.js';
export { DEMO_FILE, DEMO_LABEL, DEMO_PRICING, DemoProvider, providerOrDemo } from './demo-provider.js';
export {
  DEFAULT_ELICITATION_TIMEOUT_MS,
  type ElicitationAnswer,
  type ElicitationAuditRecord,
  ElicitationBroker,
  type ElicitationBrokerOptions,
  type ElicitationResponder,
  type ElicitOptions,
  MAX_ELICITATION_TIMEOUT_MS,
} from './elicitations.js';
export {
  type AgentRef,
  type BudgetSnapshot,
  EventHub,
  type RuntimeEvent,
  type RuntimeListener,
  type TurnStatus,
} from './events.js';
export { type LlmStepOutcome, llmAction, runLlmStep } from './llm-step.js';
export { recheckPolicy } from './recheck.js';
export {
  type CallState,
  type SessionLlmSpec,
  type SessionRecord,
  SessionStore,
  type SessionSummary,
  summarize,
  type TurnState,
} from './record.js';
export { type CreateSessionOptions, Runtime } from './runtime.js';
export { type SessionLlm, SessionLlms, type SessionLlmsParts, SWITCHABLE_PROVIDERS } from './session-llm.js';
export { type ChildSpec, isLooser, type SubagentLimits, SubagentSupervisor } from './subagents.js';
export { buildSystemPrompt, type SystemPromptInput } from './system-prompt.js';
export {
  type Invocation,
  type InvocationHooks,
  invokeToolCall,
  type SubagentRequest,
  type SubagentResult,
  toolDefinitionsOf,
} from './tool-call.js';
export type { TurnResult } from './turn-loop.js';
export { NEUTRALISED_NONCE, UntrustedFraming } from './untrusted.js';
export type { RuntimeOptions } from './wiring.js';
export { workspaceRoot } from './workspaces.js';
