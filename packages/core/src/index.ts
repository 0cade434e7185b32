export {
  ACTION_KINDS,
  type ActionKind,
  ActionKindSchema,
  type ActionOf,
  compareRisk,
  defaultRisk,
  parseAction,
  RISK_LEVELS,
  type RiskLevel,
  RiskLevelSchema,
  resourceUri,
  type SensitiveAction,
  SensitiveActionSchema,
} from './actions.js';
export {
  APPROVAL_DECISIONS,
  APPROVAL_STATES,
  type ApprovalAnswer,
  ApprovalAnswerSchema,
  type ApprovalDecision,
  type ApprovalPreview,
  type ApprovalRequest,
  type ApprovalState,
  type DecidedBy,
} from './approval.js';
export {
  AstridError,
  type AstridErrorOptions,
  ERROR_CODES,
  type ErrorCode,
  isAstridError,
} from './errors.js';
export type {
  AgentRef,
  BudgetSnapshot,
  LlmUsage,
  RuntimeEvent,
  RuntimeListener,
  TurnStatus,
} from './events.js';
export {
  type ApprovalId,
  type AuditEntryId,
  type AuditSeq,
  approvalId,
  auditEntryId,
  auditSeq,
  type Brand,
  IdSchema,
  type KeyId,
  keyId,
  type PrincipalId,
  principalId,
  type SessionId,
  sessionId,
  type TokenId,
  tokenId,
} from './ids.js';
export { INPUT_CLASSES, type InputClass, InputClassSchema, leastTrusted } from './input.js';
export { type JsonObject, type JsonValue, JsonValueSchema } from './json.js';
