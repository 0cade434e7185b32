import { resourceUri, type SensitiveAction } from '@astrid/core';
import type { ApprovalRequest } from './approvals/request.js';
import type { InterceptContext, InterceptorDeps } from './interceptor-types.js';

/**
 * "Allow Session" and "Allow Always" outlive the call they answered: a session allowance, or
 * a persistent token (audited as minted, linked to the decision). The interceptor never
 * calls this for a code runner, which only ever gets "once".
 */
export async function applyLongerAnswer(
  deps: Pick<InterceptorDeps, 'allowances' | 'tokens' | 'audit' | 'settings'>,
  now: number,
  action: SensitiveAction,
  ctx: InterceptContext,
  approval: ApprovalRequest,
  decisionEntry: string,
): Promise<void> {
  if (approval.decision === 'allow_session') {
    await deps.allowances.grant({
      session: ctx.session,
      principal: ctx.principal,
      action,
      approvalId: approval.id,
      createdAt: now,
    });
  } else if (approval.decision === 'allow_always') {
    const resource =
      action.kind === 'execute_command'
        ? { action: 'execute_command' as const, argv: action.argv, trailing: 'none' as const }
        : { action: action.kind, pattern: resourceUri(action) };
    const token = await deps.tokens.mint({
      resources: [resource],
      subject: ctx.principal,
      auditEntryId: decisionEntry as never,
      scope: 'persistent',
      ttlMs: deps.settings.allowAlwaysTtlMs,
    });
    await deps.audit.append({
      kind: 'token_minted',
      principal: ctx.principal,
      sessionId: ctx.session,
      action,
      details: { tokenId: token.id, approvalId: approval.id, decisionEntry, expiresAt: token.expires_at },
    });
  }
}
