import type { Authorization } from '@astrid/approval';
import type { SensitiveAction } from '@astrid/core';
import { z } from 'zod';
import { interceptContext } from './context.js';
import { describeError, StaleBaseError, ToolCancelledError, ToolError } from './errors.js';
import type { Tool, ToolContext, ToolOutcome, ToolPlan } from './tool.js';

/** What the LLM is told about a tool (Anthropic's shape; the OpenAI adapter renames fields). */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly input_schema: Record<string, unknown>;
}

/** Options for {@link invokeTool}. */
export interface InvokeOptions {
  /**
   * How many times a write or edit whose file changed after approval is re-planned and
   * asked again before giving up. Default 3 attempts in all.
   */
  readonly maxAttempts?: number;
}

const DEFAULT_ATTEMPTS = 3;
const MAX_INPUT_ISSUES = 5;

/** The tools as the LLM sees them: name, description, and the input schema as JSON Schema. */
export function toolDefinitions(tools: readonly Tool[]): ToolDefinition[] {
  return tools.map((tool) => {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.inputSchema, { io: 'input' }) as Record<
      string,
      unknown
    >;
    return { name: tool.name, description: tool.description, input_schema: schema };
  });
}

function inputError(tool: string, error: z.ZodError): string {
  const lines = error.issues.slice(0, MAX_INPUT_ISSUES).map((issue) => {
    const where = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the input';
    return `${where}: ${issue.message}`;
  });
  const more =
    error.issues.length > MAX_INPUT_ISSUES ? ` (and ${error.issues.length - MAX_INPUT_ISSUES} more)` : '';
  return `invalid arguments for ${tool}: ${lines.join('; ')}${more}`;
}

function failure(content: string, meta?: Record<string, unknown>): ToolOutcome {
  return meta === undefined ? { content, isError: true } : { content, isError: true, meta };
}

/**
 * Gives back Authorizations that will not be used (a later action was denied, or the tool
 * failed before executing): consuming them through the interceptor refunds their budget
 * reservations and records, linked to each decision, that nothing ran.
 */
async function release(
  ctx: ToolContext,
  authorizations: readonly Authorization[],
  actions: readonly SensitiveAction[],
  why: string,
): Promise<void> {
  const unused = authorizations.flatMap((a, i) => (a.consumed ? [] : [[a, actions[i]] as const]));
  if (unused.length === 0) return;
  await ctx.interceptor
    .release(
      unused.map(([a]) => a),
      unused.map(([, action]) => action as SensitiveAction),
      why,
    )
    .catch(() => {});
}

/**
 * Runs one tool call from the LLM: validate the input with the tool's schema, plan its
 * actions, ask the interceptor about each in order (the first denial ends the call), then
 * run with every Authorization. Never throws: every failure, including a crash inside the
 * tool, comes back as an error tool result the agent can read (no stack traces).
 */
export async function invokeTool<I>(
  tool: Tool<I>,
  rawInput: unknown,
  ctx: ToolContext,
  options: InvokeOptions = {},
): Promise<ToolOutcome> {
  const parsed = tool.inputSchema.safeParse(rawInput);
  if (!parsed.success) return failure(inputError(tool.name, parsed.error));
  const input = parsed.data;
  const attempts = Math.max(1, options.maxAttempts ?? DEFAULT_ATTEMPTS);
  for (let attempt = 1; ; attempt++) {
    let plan: ToolPlan;
    try {
      plan = await tool.plan(input, ctx);
      if (plan.actions.length === 0) throw new ToolError(`internal: ${tool.name} planned no action`);
    } catch (err) {
      return failure(describeError(err));
    }
    const authorizations: Authorization[] = [];
    for (const action of plan.actions) {
      const result = await ctx.interceptor.intercept(action, interceptContext(ctx, plan));
      if (!result.allowed) {
        await release(
          ctx,
          authorizations,
          plan.actions,
          `another action of this call was denied (${result.code})`,
        );
        return failure(`${result.code}: ${result.reason}`, { code: result.code, stage: result.stage });
      }
      authorizations.push(result.authorization);
    }
    try {
      return await tool.run(input, plan, authorizations, ctx);
    } catch (err) {
      if (err instanceof StaleBaseError && attempt < attempts) continue;
      if (err instanceof ToolCancelledError || ctx.signal?.aborted) {
        return failure(err instanceof ToolCancelledError ? err.message : 'the tool call was cancelled', {
          cancelled: true,
        });
      }
      const meta = err instanceof StaleBaseError ? { code: 'STALE_BASE', attempts: attempt } : undefined;
      const message =
        err instanceof StaleBaseError
          ? `${err.message} (it changed ${attempt} times while waiting for approval; giving up)`
          : describeError(err);
      return failure(message, meta);
    } finally {
      await release(ctx, authorizations, plan.actions, `${tool.name} failed before it ran`);
    }
  }
}
