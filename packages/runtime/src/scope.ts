import {
  type BudgetEvent,
  BudgetLedger,
  type BudgetLimits,
  budgetLimitsFromConfig,
  createPolicyStage,
  type HostResolver,
  type InterceptorDeps,
  interceptorSettingsFromConfig,
  policyRulesFromConfig,
  SecurityInterceptor,
} from '@astrid/approval';
import type { AstridConfig } from '@astrid/config';
import type { SensitiveAction } from '@astrid/core';
import type { Env } from '@astrid/llm';
import type { SandboxResolution, SandboxSetting } from '@astrid/sandbox';
import { builtinTools, type ProcessTracker, type RecheckOptions, type Tool, toolList } from '@astrid/tools';
import { WorkspaceBoundary } from '@astrid/workspace';
import { recheckPolicy } from './recheck.js';
import type { SessionLlms } from './session-llm.js';

/** What every workspace of one runtime shares: the stores, the clock, the kill switch, the tracker. */
export interface ScopeShared {
  /** The data dir (`ASTRID_HOME`): never inside a workspace boundary, always denied to the agent. */
  readonly home: string;
  readonly userHome: string;
  readonly env: Env;
  /** The interceptor's stores and callbacks, the same for every workspace. */
  readonly base: Omit<InterceptorDeps, 'policy' | 'boundary' | 'budget' | 'settings'>;
  readonly processes: ProcessTracker;
  readonly tools?: (processes: ProcessTracker) => readonly Tool[];
  readonly resolveHost?: HostResolver;
  readonly onBudget: (event: BudgetEvent) => void;
  /** How commands run under a `[tools.bash] sandbox` setting (resolved once per setting). */
  sandboxFor(setting: SandboxSetting): Promise<SandboxResolution>;
  /** Per-session models under a workspace's budget limits. */
  llms(limits: BudgetLimits): SessionLlms;
}

/**
 * Everything that depends on which workspace a session works in: its config (the workspace
 * layer can only tighten), boundary, admin policy, interceptor settings, budget (a ledger per
 * workspace, so `workspace_max_usd` counts this workspace's sessions), sandbox and tools.
 */
export interface WorkspaceScope {
  /** The real workspace root. */
  readonly root: string;
  readonly config: AstridConfig;
  readonly boundary: WorkspaceBoundary;
  readonly deps: InterceptorDeps;
  readonly limits: BudgetLimits;
  readonly sandbox: SandboxResolution;
  readonly llms: SessionLlms;
  /** The interceptor of this workspace's sessions that run in the config's mode. */
  readonly interceptor: SecurityInterceptor;
  /** Fresh tools for one session (the bash tool keeps a per-session working directory). */
  createTools(): readonly Tool[];
  /** The admin policy again at execution time; throws POLICY_DENIED. */
  recheckPolicy(action: SensitiveAction, options?: RecheckOptions): Promise<void>;
}

/**
 * Builds the scope of one workspace from its resolved config. The boundary refuses a root
 * of `/`, the user's home or an ancestor of the data dir (WORKSPACE_INVALID), so no session
 * can be given a workspace that contains the daemon's keys or database.
 */
export async function openScope(
  shared: ScopeShared,
  workspace: string,
  config: AstridConfig,
): Promise<WorkspaceScope> {
  const boundary = await WorkspaceBoundary.create(workspace, {
    home: shared.userHome,
    astridHome: shared.home,
    neverAllow: config.workspace.never_allow,
  });
  const policy = createPolicyStage(policyRulesFromConfig(config), {
    home: shared.userHome,
    env: { HOME: shared.userHome, ASTRID_HOME: shared.home },
    ...(shared.resolveHost === undefined ? {} : { resolveHost: shared.resolveHost }),
  });
  const sandbox = await shared.sandboxFor(config.tools.bash.sandbox);
  const limits = budgetLimitsFromConfig(config);
  const deps: InterceptorDeps = {
    ...shared.base,
    policy,
    boundary,
    budget: new BudgetLedger(limits, shared.onBudget),
    settings: interceptorSettingsFromConfig(config, sandbox.sandboxed),
  };
  const { processes } = shared;
  const inheritEnv = { ...shared.env, HOME: shared.userHome };
  const makeTools = shared.tools;
  return {
    root: boundary.root,
    config,
    boundary,
    deps,
    limits,
    sandbox,
    llms: shared.llms(limits),
    interceptor: new SecurityInterceptor(deps),
    createTools:
      makeTools === undefined
        ? () =>
            toolList(
              builtinTools({
                bash: {
                  processes,
                  inheritEnv,
                  defaultTimeoutMs: config.tools.bash.timeout_seconds * 1000,
                  sandbox: { mode: sandbox, deniedPaths: config.security.policy.denied_paths },
                },
              }),
            )
        : () => makeTools(processes),
    recheckPolicy: (action, options) => recheckPolicy(policy, boundary, action, options),
  };
}
