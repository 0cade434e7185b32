export { analyzeArgv, analyzeCommand } from './analyze.js';
export {
  type CommandPolicyVerdict,
  evaluateCommandPolicy,
  evaluatePolicy,
  type PolicyContext,
  type PolicyDenial,
  type PolicyPass,
  type PolicyRuleRef,
  type PolicyVerdict,
} from './evaluate.js';
export { type HostResolver, lookupAll } from './hosts.js';
export { loadShellParser } from './parser.js';
export {
  DEFAULT_BLOCKED_COMMANDS,
  DEFAULT_DENIED_HOSTS,
  DEFAULT_MAX_ARGUMENT_BYTES,
  DEFAULT_POLICY_RULES,
  DEFAULT_WRITE_DENIED_IN_WORKSPACE,
  type PolicyRules,
  PolicyRulesSchema,
} from './rules.js';
export { createPolicyStage, type PolicyStageOptions, type PolicyStageResult, policyRuleId } from './stage.js';
export type {
  AnalyzeOptions,
  CommandAnalysis,
  CommandWord,
  PathGlob,
  PathOp,
  SimpleCommand,
} from './types.js';
