import type { SensitiveAction } from '@astrid/core';
import { evaluateParsedPolicy, evaluatePolicy, type PolicyContext, type PolicyRuleRef } from './evaluate.js';
import type { HostResolver } from './hosts.js';
import { takeParsedMark } from './parsed.js';
import type { PolicyRules } from './rules.js';

/** What the interceptor's policy stage returns: the rule as one string id for the audit log. */
export type PolicyStageResult =
  | { readonly verdict: 'deny'; readonly rule: string; readonly reason: string }
  | {
      readonly verdict: 'pass';
      readonly unresolved?: readonly string[];
      readonly runsCode?: readonly string[];
      readonly hidden?: readonly string[];
    };

/** Settings fixed for the daemon's lifetime. */
export interface PolicyStageOptions {
  readonly home?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly resolveHost?: HostResolver;
}

/** The audit id of a rule: `blocked_commands:sudo`, `denied_paths:/etc/**`. */
export function policyRuleId(rule: PolicyRuleRef): string {
  return `${rule.kind}:${rule.pattern}`;
}

/** Adapts {@link evaluatePolicy} to the interceptor's `PolicyStage` interface. */
export function createPolicyStage(
  rules: PolicyRules,
  options: PolicyStageOptions = {},
): {
  evaluate(
    action: SensitiveAction,
    ctx: { readonly workspaceRoot: string; readonly cwd?: string },
  ): Promise<PolicyStageResult>;
} {
  return {
    async evaluate(action, ctx) {
      // Taken before anything else (this runs synchronously inside the interceptor's call):
      // the interceptor's freshly parsed copy is not parsed again; any other object is.
      const parsed = takeParsedMark(action);
      const full: PolicyContext = { ...options, ...ctx };
      const verdict = parsed
        ? await evaluateParsedPolicy(action, rules, full)
        : await evaluatePolicy(action, rules, full);
      if (verdict.verdict === 'deny')
        return { verdict: 'deny', rule: policyRuleId(verdict.rule), reason: verdict.reason };
      return verdict;
    },
  };
}
