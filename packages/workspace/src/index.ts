export {
  type BoundaryCheck,
  type CheckOptions,
  type RootRefusal,
  WorkspaceBoundary,
  type WorkspaceBoundaryOptions,
} from './boundary.js';
export { realPathOfFd } from './fd.js';
export { compileGlob, type GlobMatcher } from './glob.js';
export {
  decideByMode,
  ESCAPE_POLICIES,
  type EscapePolicy,
  type ModeDecision,
  type ModeDecisionInput,
  type ModeRule,
  type ModeVerdict,
  WORKSPACE_MODES,
  type WorkspaceMode,
} from './modes.js';
export { ASTRID_HOME_RULE } from './never.js';
export { BOUNDARY_OPS, type BoundaryOp } from './paths.js';
export { MAX_SYMLINK_HOPS, type ResolverFs, type Unresolved } from './resolve.js';
