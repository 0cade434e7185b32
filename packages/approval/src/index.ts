export { AllowanceStore, allowanceResource, type SessionAllowance } from './allowances.js';
export { matchesAllowedCommand } from './allowed-commands.js';
export {
  type ApprovalAuditHook,
  ApprovalBroker,
  type ApprovalBrokerOptions,
  type ApprovalEvent,
  type NewApprovalRequest,
} from './approvals/broker.js';
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
} from './approvals/request.js';
export { Authorization, consumeAuthorization, type EpochSource } from './authorization.js';
export {
  type BudgetEvent,
  BudgetLedger,
  type BudgetLimits,
  type BudgetRefusal,
  BudgetReservation,
  isBudgetRefusal,
} from './budget/ledger.js';
export {
  formatMicros,
  type Micros,
  type TokenPricing,
  type TokenUsage,
  usageCost,
  usdToMicros,
  worstCaseLlmCost,
} from './budget/money.js';
export { runsArbitraryCode } from './code-runners.js';
export { approvalRefusal, defaultPreview, describeAction } from './describe.js';
export {
  budgetLimitsFromConfig,
  interceptorSettingsFromConfig,
  policyRulesFromConfig,
} from './from-config.js';
export { SecurityInterceptor } from './interceptor.js';
export type {
  AuditSink,
  ExecuteOptions,
  GrantProof,
  InterceptContext,
  InterceptorDeps,
  InterceptorEvent,
  InterceptorSettings,
  InterceptResult,
  InterceptStage,
  PolicyResult,
  PolicyStage,
  ToolRun,
} from './interceptor-types.js';
export { analyzeArgv, analyzeCommand } from './policy/analyze.js';
export {
  type CommandPolicyVerdict,
  evaluateCommandPolicy,
  evaluatePolicy,
  type PolicyContext,
  type PolicyDenial,
  type PolicyPass,
  type PolicyRuleRef,
  type PolicyVerdict,
} from './policy/evaluate.js';
export { type HostResolver, lookupAll } from './policy/hosts.js';
export { loadShellParser } from './policy/parser.js';
export {
  DEFAULT_BLOCKED_COMMANDS,
  DEFAULT_DENIED_HOSTS,
  DEFAULT_MAX_ARGUMENT_BYTES,
  DEFAULT_POLICY_RULES,
  DEFAULT_WRITE_DENIED_IN_WORKSPACE,
  type PolicyRules,
  PolicyRulesSchema,
} from './policy/rules.js';
export {
  createPolicyStage,
  type PolicyStageOptions,
  type PolicyStageResult,
  policyRuleId,
} from './policy/stage.js';
export type {
  AnalyzeOptions,
  CommandAnalysis,
  CommandWord,
  PathGlob,
  PathOp,
  SimpleCommand,
} from './policy/types.js';
