export {
  builtInDefaults,
  DEFAULT_BLOCKED_COMMANDS,
  DEFAULT_DENIED_HOSTS,
  DEFAULT_DENIED_PATHS,
  DEFAULT_MODEL,
  PRESET_BASE_URLS,
} from './defaults.js';
export { ENV_VARIABLES, type EnvVariable } from './env.js';
export { redactConfig, usdToMicroUsd } from './finalize.js';
export { type LoadConfigOptions, loadConfig } from './load.js';
export {
  isAtLeastAsStrict,
  MERGE_RULE_NAMES,
  MERGE_RULES,
  type MergeRule,
  type MergeRuleName,
  sameConfigValue,
} from './merge-rules.js';
export { MERGE_TABLE, type MergeRow, mergeRowFor } from './merge-table.js';
export { type ConfigLocationOptions, DEFAULT_ADMIN_CONFIG_PATH, paths, resolveHome } from './paths.js';
export type { ConfigFileContent, ConfigFileReader } from './read.js';
export { renderDefaultUserConfig } from './render.js';
export {
  BASH_SANDBOXES,
  type BashSandbox,
  type ConfigLayer,
  ConfigLayerSchema,
  ESCAPE_POLICIES,
  type EscapePolicy,
  MAX_CONFIG_BYTES,
  PRESETS,
  PROVIDERS,
  type Preset,
  type Provider,
  USER_ONLY_SECTIONS,
  WORKSPACE_MODES,
  type WorkspaceMode,
} from './schema.js';
export {
  type ApprovalConfig,
  type AstridConfig,
  type AuditConfig,
  type BashConfig,
  type BudgetConfig,
  type ConfigFileInfo,
  type ConfigWarning,
  LAYER_NAMES,
  type LayerName,
  type LoadedConfig,
  type ModelConfig,
  type ModelPricing,
  type PolicyConfig,
  type SecurityConfig,
  type SubagentsConfig,
  type WorkspaceConfig,
} from './types.js';
