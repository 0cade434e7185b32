import { join } from 'node:path';
import type { ElicitationResult } from '@astrid/core';
import type { RuntimeOptions } from '@astrid/runtime';
import { z } from 'zod';

/** A tool as the runtime takes it (the gateway does not depend on @astrid/tools). */
export type Tool = ReturnType<NonNullable<RuntimeOptions['tools']>>[number];

/**
 * A fixture tool, `ask_key`, that asks the human for an API key through `ctx.elicit` and
 * pushes what it got to `results`. Its output says only the outcome and the key's length: a
 * tool must never echo a secret. It plans a read of the workspace README, which guided mode
 * allows without asking, so the only question in the turn is the elicitation.
 */
export function askKeyTool(results: ElicitationResult[]): Tool {
  return {
    name: 'ask_key',
    description: 'Asks the human for an API key.',
    inputSchema: z.object({ why: z.string() }) as z.ZodType<unknown>,
    async plan(_input, ctx) {
      return { actions: [{ kind: 'file_read', path: join(ctx.boundary.root, 'README.md') }] };
    },
    async run(input, _plan, _authorizations, ctx) {
      if (ctx.elicit === undefined) return { content: 'cannot ask', isError: true };
      const result = await ctx.elicit({
        message: (input as { why: string }).why,
        fields: [
          { name: 'apiKey', title: 'API key', type: 'string', required: true, secret: true },
          { name: 'region', type: 'string', enum: ['eu', 'us'] },
        ],
      });
      results.push(result);
      const key = result.content?.apiKey;
      return { content: `outcome=${result.outcome} length=${typeof key === 'string' ? key.length : 0}` };
    },
  };
}
