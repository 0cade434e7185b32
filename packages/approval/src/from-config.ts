import type { AstridConfig } from '@astrid/config';
import type { BudgetLimits } from './budget/ledger.js';
import type { InterceptorSettings } from './interceptor-types.js';
import { DEFAULT_WRITE_DENIED_IN_WORKSPACE, type PolicyRules, PolicyRulesSchema } from './policy/rules.js';

/**
 * The admin policy from the resolved config. `~` in `denied_paths` is expanded by the
 * policy engine with the home it is given; `$ASTRID_HOME` is already expanded by config.
 * Write-denied paths inside the workspace are fixed (`.astrid/**`, `.git/hooks/**`,
 * `.git/config`, ...): no layer can remove them.
 */
export function policyRulesFromConfig(config: AstridConfig): PolicyRules {
  const p = config.security.policy;
  return PolicyRulesSchema.parse({
    blocked_commands: [...p.blocked_commands],
    denied_paths: [...p.denied_paths],
    write_denied_in_workspace: [...DEFAULT_WRITE_DENIED_IN_WORKSPACE],
    denied_hosts: [...p.denied_hosts],
    ...(p.allowed_hosts === undefined ? {} : { allowed_hosts: [...p.allowed_hosts] }),
    max_argument_bytes: p.max_argument_bytes,
  });
}

/** The interceptor's settings from the resolved config. */
export function interceptorSettingsFromConfig(config: AstridConfig, sandboxed: boolean): InterceptorSettings {
  return {
    mode: config.workspace.mode,
    escapePolicy: config.workspace.escape_policy,
    allowedCommands: [...config.security.policy.allowed_commands],
    countdownSeconds: config.approval.countdown_seconds,
    approvalTimeoutMs: config.approval.timeout_seconds * 1000,
    allowAlwaysTtlMs: config.approval.allow_always_ttl_seconds * 1000,
    actionCostsMicros: { ...config.budget.action_costs_micro_usd },
    escalateAfterUntrusted: config.security.policy.escalate_after_untrusted,
    sandboxed,
  };
}

/** Budget limits in micro-dollars from the resolved config. */
export function budgetLimitsFromConfig(config: AstridConfig): BudgetLimits {
  const b = config.budget;
  return {
    sessionMax: b.session_max_micro_usd,
    perActionMax: b.per_action_max_micro_usd,
    ...(b.workspace_max_micro_usd === undefined ? {} : { workspaceMax: b.workspace_max_micro_usd }),
    warnAtPercent: b.warn_at_percent,
  };
}
