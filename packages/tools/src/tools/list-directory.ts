import { lstat, readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { SensitiveAction } from '@astrid/core';
import { z } from 'zod';
import { inDirectory, openVerified } from '../fs/open.js';
import { displayPath, resolveForPlan } from '../paths.js';
import type { Tool, ToolContext, ToolOutcome } from '../tool.js';

/** The most entries one call lists. */
export const LIST_MAX_ENTRIES = 1000;

const ListDirectoryInput = z.object({
  path: z.string().min(1).optional().describe('The directory to list (default: the workspace root).'),
});
type ListDirectoryInput = z.infer<typeof ListDirectoryInput>;

/**
 * How a symlink is shown: its target only when the target really is inside the workspace
 * (the listing never reveals where a link out of the workspace points, nor follows it).
 */
async function describeLink(ctx: ToolContext, dirReal: string, name: string, at: string): Promise<string> {
  try {
    const check = await ctx.boundary.check(posix.join(dirReal, name), 'read');
    if (check.kind !== 'inside') return `[link] ${name} -> (a link that leaves the workspace)`;
    return `[link] ${name} -> ${await readlink(at)}`;
  } catch {
    return `[link] ${name} -> (unreadable link)`;
  }
}

async function listAuthorized(ctx: ToolContext, dir: string): Promise<ToolOutcome> {
  const { handle } = await openVerified(ctx, dir, {
    op: 'list',
    kind: 'directory',
    policy: { kind: 'file_read', path: dir },
  });
  try {
    // Read through the verified descriptor: a directory swapped after the check is not listed.
    const names = (await readdir(inDirectory(handle, ''))).sort();
    const lines: string[] = [];
    for (const name of names.slice(0, LIST_MAX_ENTRIES)) {
      const at = inDirectory(handle, name);
      let st: Awaited<ReturnType<typeof lstat>>;
      try {
        st = await lstat(at);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) lines.push(await describeLink(ctx, dir, name, at));
      else if (st.isDirectory()) lines.push(`[dir]  ${name}/`);
      else if (st.isFile()) lines.push(`[file] ${name} (${st.size} bytes)`);
      else lines.push(`[other] ${name}`);
    }
    const header = `${displayPath(ctx, dir)}: ${names.length} entries`;
    const more =
      names.length > LIST_MAX_ENTRIES
        ? `\n[truncated: showing ${LIST_MAX_ENTRIES} of ${names.length}; use glob to narrow]`
        : '';
    const content =
      names.length === 0 ? `${displayPath(ctx, dir)} is empty` : `${header}\n${lines.join('\n')}${more}`;
    return { content, meta: { count: names.length, truncated: names.length > LIST_MAX_ENTRIES } };
  } finally {
    await handle.close();
  }
}

/** `list_directory`: entries with type and size, capped; links are shown, never followed. */
export function createListDirectoryTool(): Tool<ListDirectoryInput> {
  return {
    name: 'list_directory',
    readOnly: true,
    description:
      `List a directory: each entry with its type and size (at most ${LIST_MAX_ENTRIES}). Symbolic links ` +
      'are shown as links, not followed; a link target is shown only when it is inside the workspace.',
    inputSchema: ListDirectoryInput,
    async plan(input, ctx) {
      const check = await resolveForPlan(ctx, input.path ?? '.', 'list');
      return { actions: [{ kind: 'file_read', path: check.realPath }] };
    },
    async run(_input, plan, authorizations, ctx) {
      const action = plan.actions[0] as SensitiveAction & { kind: 'file_read' };
      return ctx.interceptor.execute(authorizations[0], action, async () => {
        const outcome = await listAuthorized(ctx, action.path);
        return { value: outcome, output: outcome.content };
      });
    },
  };
}
