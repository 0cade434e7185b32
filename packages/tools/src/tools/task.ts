import type { SensitiveAction } from '@astrid/core';
import { z } from 'zod';
import { ToolError } from '../errors.js';
import type { Tool, ToolContext } from '../tool.js';

/** The model named in `task`'s action when the runtime does not say (`ToolContext.subagentModel`). */
export const DEFAULT_SUBAGENT_MODEL = { provider: 'astrid', model: 'subagent' } as const;

const TaskInput = z.object({
  description: z.string().min(1).max(200).describe('A short (3-5 word) description of the task.'),
  prompt: z.string().min(1).max(100_000).describe('The full instructions for the sub-agent.'),
});
type TaskInput = z.infer<typeof TaskInput>;

function spawnAction(ctx: ToolContext): SensitiveAction {
  const m = ctx.subagentModel ?? DEFAULT_SUBAGENT_MODEL;
  return { kind: 'llm_request', provider: m.provider, model: m.model };
}

/**
 * `task`: delegates to a sub-agent through `ctx.runSubagent` and returns its final text.
 * Spawning is one `llm_request` action for the child's model, not marked session-owned:
 * the budget gates it and the mode asks (one "Allow Session" covers later spawns), since a
 * child is delegated LLM work. Everything the child does is intercepted again as the child,
 * whose authority the runtime narrows; this tool adds no authority of its own.
 */
export function createTaskTool(): Tool<TaskInput> {
  return {
    name: 'task',
    description:
      'Delegate a self-contained task to a sub-agent with its own context. The sub-agent has at most ' +
      "your permissions and its actions are checked like yours. Returns the sub-agent's final answer.",
    inputSchema: TaskInput,
    async plan(input, ctx) {
      if (ctx.runSubagent === undefined) throw new ToolError('sub-agents are not available in this session');
      return { actions: [spawnAction(ctx)], agentText: input.description };
    },
    async run(input, plan, authorizations, ctx) {
      const action = plan.actions[0] as SensitiveAction;
      return ctx.interceptor.execute(authorizations[0], action, async () => {
        const runSubagent = ctx.runSubagent;
        if (runSubagent === undefined) throw new ToolError('sub-agents are not available in this session');
        const text = await runSubagent.call(ctx, input.prompt, input.description, ctx.signal);
        return { value: { content: text, meta: { description: input.description } }, output: text };
      });
    },
  };
}
