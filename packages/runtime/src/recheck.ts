import type { PolicyStage } from '@astrid/approval';
import { AstridError, type SensitiveAction } from '@astrid/core';
import type { RecheckOptions } from '@astrid/tools';
import type { BoundaryOp, WorkspaceBoundary } from '@astrid/workspace';

function pathOf(action: SensitiveAction): [string, BoundaryOp] | undefined {
  switch (action.kind) {
    case 'file_read':
      return [action.path, 'read'];
    case 'file_write':
      return [action.path, 'write'];
    case 'file_delete':
      return [action.path, 'delete'];
    case 'capsule_file_access':
      return [action.path, action.mode === 'read' ? 'read' : 'write'];
    default:
      return undefined;
  }
}

/**
 * The admin policy and the `never_allow` list again, at execution time: an approval may come
 * hours after the decision, and the filesystem or the config may have changed meanwhile.
 * Throws POLICY_DENIED naming the rule.
 */
export async function recheckPolicy(
  policy: PolicyStage,
  boundary: WorkspaceBoundary,
  action: SensitiveAction,
  options: RecheckOptions = {},
): Promise<void> {
  const verdict = await policy.evaluate(action, { workspaceRoot: boundary.root });
  if (verdict.verdict === 'deny') {
    throw new AstridError('POLICY_DENIED', verdict.reason, { details: { rule: verdict.rule } });
  }
  // A tool that opened the file has checked the descriptor's real path (never_allow included).
  if (options.locationVerified === true) return;
  const target = pathOf(action);
  if (target === undefined) return;
  const check = await boundary.check(target[0], target[1]);
  if (check.kind === 'never') {
    throw new AstridError('POLICY_DENIED', `${check.realPath} is never allowed (${check.rule})`, {
      details: { rule: `never_allow:${check.rule}` },
    });
  }
}
