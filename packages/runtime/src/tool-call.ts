import type { SessionId } from '@astrid/core';
import { actionHash } from '@astrid/crypto';
import type { JsonObject, LlmToolDefinition } from '@astrid/llm';
import { invokeTool, type Tool, type ToolContext, type ToolOutcome, toolDefinitions } from '@astrid/tools';
import type { WorkspaceMode } from '@astrid/workspace';
import type { TurnStatus } from './events.js';

/** What the `task` tool asks the runtime for: a sub-agent working on `prompt`. */
export interface SubagentRequest {
  /** A short description, shown to the human as the sub-agent's label. */
  readonly task: string;
  readonly prompt: string;
  /** The child's workspace mode: equal to or stricter than the parent's, else refused. */
  readonly mode?: WorkspaceMode;
  /** The child's budget, carved out of the parent's remaining budget; refused if larger. */
  readonly budgetMicros?: number;
}

/** What the sub-agent produced. */
export interface SubagentResult {
  readonly content: string;
  readonly isError: boolean;
  readonly status: TurnStatus | 'refused';
  readonly session?: SessionId;
  readonly spentMicros: number;
  /** The child read untrusted content, so its reply is untrusted too. */
  readonly tainted: boolean;
}

/** Hooks into the phases of one call, so the session can persist where it stands. */
export interface InvocationHooks {
  /**
   * The tool planned these actions (their hashes link approval requests to the call); runs
   * before any of them is intercepted. Throwing a ToolError ends the call with its message.
   */
  planned?(actionHashes: readonly string[]): void | Promise<void>;
  /**
   * Every action is authorized; resolves before the tool starts (persist "executing" here),
   * except for a `readOnly` tool, which starts at once: it has no effect a crash could repeat.
   */
  authorized?(): Promise<void>;
}

/** How one call went. */
export interface Invocation {
  readonly outcome: ToolOutcome;
  /** The tool's `run` started: its output is untrusted and it may have had effects. */
  readonly ran: boolean;
}

/**
 * Runs one tool call through `@astrid/tools`' `invokeTool` (validate the arguments, plan,
 * put every action through the interceptor in order, run only with one Authorization per
 * action, release unused ones), observing its phases: the tool is wrapped so that `planned`
 * fires after each plan and `authorized` right before `run`, i.e. after the last action was
 * authorized and before anything can have had an effect. Never throws.
 */
export async function invokeToolCall(
  tool: Tool,
  rawInput: unknown,
  ctx: ToolContext,
  hooks: InvocationHooks = {},
): Promise<Invocation> {
  let ran = false;
  const observed: Tool = {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
    ...(tool.readOnly === undefined ? {} : { readOnly: tool.readOnly }),
    async plan(input, c) {
      const plan = await tool.plan(input, c);
      await hooks.planned?.(plan.actions.map((a) => actionHash(a)));
      return plan;
    },
    async run(input, plan, authorizations, c) {
      if (tool.readOnly === true) {
        // Nothing to protect from a second run: the read overlaps the write of its mark, and
        // the call still fails if that write does.
        const marked = hooks.authorized?.();
        marked?.catch(() => undefined);
        ran = true;
        const [outcome] = await Promise.all([tool.run(input, plan, authorizations, c), marked]);
        return outcome;
      }
      await hooks.authorized?.();
      ran = true;
      return tool.run(input, plan, authorizations, c);
    },
  };
  try {
    const outcome = await invokeTool(observed, rawInput, ctx);
    return { outcome, ran };
  } catch (err) {
    // invokeTool never throws by contract; a failing hook (the session could not be saved) does.
    return {
      outcome: { content: `${tool.name} was not run: ${(err as Error).message}`, isError: true },
      ran,
    };
  }
}

/** The tool definitions sent to the model: each tool's zod input schema as JSON schema. */
export function toolDefinitionsOf(tools: readonly Tool[]): LlmToolDefinition[] {
  return toolDefinitions(tools).map((d) => ({
    name: d.name,
    description: d.description,
    inputSchema: { type: 'object', ...d.input_schema } as JsonObject,
  }));
}
