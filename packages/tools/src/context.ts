import type { InterceptContext } from '@astrid/approval';
import type { SensitiveAction } from '@astrid/core';
import { ToolError } from './errors.js';
import type { ToolContext, ToolPlan } from './tool.js';

/** The interceptor's view of a tool call: who proposes, how trusted, and the approval card extras. */
export function interceptContext(
  ctx: ToolContext,
  plan?: Pick<ToolPlan, 'preview' | 'agentText'>,
): InterceptContext {
  return {
    session: ctx.session,
    principal: ctx.principal,
    inputClass: ctx.inputClass,
    tainted: ctx.tainted,
    // The workspace budget (`workspace_max_usd`) counts tool actions too, not only model requests.
    workspace: ctx.boundary.root,
    ...(plan?.preview === undefined ? {} : { preview: plan.preview }),
    ...(plan?.agentText === undefined ? {} : { agentText: plan.agentText }),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    ...(ctx.precondition === undefined ? {} : { precondition: ctx.precondition }),
  };
}

/**
 * Performs one action a tool needs before it can plan (edit_file must read the file to
 * find `old_string`): intercepted and executed like any other action, so what the agent
 * learns from planning (a match count, a diff) it was allowed to read.
 */
export async function authorizedStep<T>(
  ctx: ToolContext,
  action: SensitiveAction,
  step: () => Promise<{ value: T; output?: Uint8Array | string }>,
): Promise<T> {
  const result = await ctx.interceptor.intercept(action, interceptContext(ctx));
  if (!result.allowed) throw new ToolError(`${result.code}: ${result.reason}`);
  return ctx.interceptor.execute(result.authorization, action, step);
}
