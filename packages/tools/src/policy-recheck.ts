import type { PolicyStage } from '@astrid/approval';
import { AstridError, type SensitiveAction } from '@astrid/core';

/**
 * Builds `ToolContext.recheckPolicy` from the interceptor's policy stage: the same admin
 * rules, judged again at execution time (approval may come hours after the decision, and
 * the rules or DNS may have changed). Throws POLICY_DENIED on a denial; `unresolved`,
 * `runsCode` and `hidden` notes only matter to the decision, which was already made.
 */
export function policyRecheck(
  policy: PolicyStage,
  workspaceRoot: string,
): (action: SensitiveAction) => Promise<void> {
  return async (action) => {
    const verdict = await policy.evaluate(action, { workspaceRoot });
    if (verdict.verdict === 'deny') {
      throw new AstridError('POLICY_DENIED', `denied at execution time: ${verdict.reason}`, {
        details: { rule: verdict.rule },
      });
    }
  };
}
