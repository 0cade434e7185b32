export { sandboxCommand } from './command.js';
export { LIFELINE_SHELL, lifelineArgv } from './lifeline.js';
export {
  type DefaultMaskOptions,
  defaultMaskPaths,
  deniedPathMasks,
  HOME_SECRETS,
  type SkippedPattern,
  SYSTEM_SECRETS,
} from './masks.js';
export { globFixedPrefix, SYSTEM_DIRECTORIES } from './paths.js';
export {
  type ProbeOptions,
  probeSandbox,
  resolveSandbox,
  resolveSandboxMode,
  SANDBOX_REFUSAL_CODE,
  type SandboxProbe,
  type SandboxResolution,
} from './probe.js';
export {
  DEFAULT_BWRAP_PATH,
  type ResolvedMask,
  SANDBOX_SETTINGS,
  type SandboxCommand,
  type SandboxMode,
  type SandboxRequest,
  type SandboxSetting,
} from './types.js';
