import { lstat } from 'node:fs/promises';
import type { SensitiveAction } from '@astrid/core';
import { z } from 'zod';
import { inDirectory, openVerified } from '../fs/open.js';
import { displayPath, resolveForPlan } from '../paths.js';
import { admitted, assertRelativePattern, walkFiles } from '../search/walk.js';
import type { Tool, ToolContext, ToolOutcome } from '../tool.js';

/** The most paths one glob call returns. */
export const GLOB_MAX_RESULTS = 200;

const GlobInput = z.object({
  pattern: z
    .string()
    .min(1)
    .max(1000)
    .describe('A glob relative to the search directory, e.g. "**/*.ts" or "src/**/test_*.py".'),
  path: z.string().min(1).optional().describe('The directory to search in (default: the workspace root).'),
});
type GlobInput = z.infer<typeof GlobInput>;

async function globAuthorized(ctx: ToolContext, root: string, input: GlobInput): Promise<ToolOutcome> {
  const { handle } = await openVerified(ctx, root, {
    op: 'list',
    kind: 'directory',
    policy: { kind: 'file_read', path: root },
  });
  const found: { path: string; mtime: number }[] = [];
  try {
    const files = await walkFiles(handle, root, input.pattern, {
      ignore: ['**/.git/**'],
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    });
    const prefix = root === '/' ? 1 : root.length + 1;
    for (const path of files) {
      if (!(await admitted(ctx, path))) continue;
      try {
        // Relative to the verified root descriptor, not to a path that may have moved.
        const st = await lstat(inDirectory(handle, path.slice(prefix)));
        if (st.isFile()) found.push({ path, mtime: st.mtimeMs });
      } catch {
        // Gone since the walk: not a result.
      }
    }
  } finally {
    await handle.close();
  }
  found.sort((a, b) => b.mtime - a.mtime || (a.path < b.path ? -1 : 1));
  const shown = found.slice(0, GLOB_MAX_RESULTS).map((f) => displayPath(ctx, f.path));
  const truncated = found.length > GLOB_MAX_RESULTS;
  let content =
    shown.length === 0 ? `No files match ${input.pattern} in ${displayPath(ctx, root)}` : shown.join('\n');
  if (truncated)
    content += `\n[truncated: showing ${GLOB_MAX_RESULTS} of ${found.length} files; narrow the pattern]`;
  return { content, meta: { count: found.length, truncated } };
}

/** `glob`: files matching a pattern, newest first, capped; never follows a symlink. */
export function createGlobTool(): Tool<GlobInput> {
  return {
    name: 'glob',
    readOnly: true,
    description:
      `Find files by glob pattern (e.g. "**/*.ts"), newest first, at most ${GLOB_MAX_RESULTS} results. ` +
      'Symbolic links are not followed and .git is skipped. Paths are relative to the workspace root.',
    inputSchema: GlobInput,
    async plan(input, ctx) {
      assertRelativePattern(input.pattern, 'pattern');
      const check = await resolveForPlan(ctx, input.path ?? '.', 'list');
      return { actions: [{ kind: 'file_read', path: check.realPath }] };
    },
    async run(input, plan, authorizations, ctx) {
      const action = plan.actions[0] as SensitiveAction & { kind: 'file_read' };
      return ctx.interceptor.execute(authorizations[0], action, async () => {
        const outcome = await globAuthorized(ctx, action.path, input);
        return { value: outcome, output: outcome.content };
      });
    },
  };
}
