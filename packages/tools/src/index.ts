export { BASH_ENV_ALLOWLIST, buildChildEnv } from './bash/env.js';
export { bashActions, shellArgv } from './bash/plan.js';
export type { BashSandboxOptions } from './bash/sandbox.js';
export { type BuiltinTools, type BuiltinToolsOptions, builtinTools, toolList } from './builtin.js';
export { describeError, StaleBaseError, ToolCancelledError, ToolError } from './errors.js';
export { type InvokeOptions, invokeTool, type ToolDefinition, toolDefinitions } from './invoke.js';
export { policyRecheck } from './policy-recheck.js';
export {
  processIdentity,
  type RecordedGroup,
  type SweepReport,
  sweepProcessRecord,
  writeProcessRecord,
} from './process-record.js';
export { ProcessTracker } from './processes.js';
export type { RecheckOptions, Tool, ToolContext, ToolOutcome, ToolPlan } from './tool.js';
export { type BashTool, type BashToolOptions, createBashTool } from './tools/bash.js';
export { createEditFileTool } from './tools/edit-file.js';
export { createGlobTool, GLOB_MAX_RESULTS } from './tools/glob.js';
export { createGrepTool, GREP_LIMITS, type GrepLimits } from './tools/grep.js';
export { createListDirectoryTool, LIST_MAX_ENTRIES } from './tools/list-directory.js';
export {
  createReadFileTool,
  READ_DEFAULT_LINES,
  READ_MAX_BYTES,
  READ_MAX_LINE_CHARS,
} from './tools/read-file.js';
export { createTaskTool, DEFAULT_SUBAGENT_MODEL } from './tools/task.js';
export { createWriteFileTool } from './tools/write-file.js';
