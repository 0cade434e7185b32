import { z } from 'zod';
import { authorizedStep } from '../context.js';
import { ToolError } from '../errors.js';
import { MAX_REPLACE_BYTES, readBase } from '../fs/base.js';
import { displayPath, resolveForPlan } from '../paths.js';
import type { Tool, ToolPlan } from '../tool.js';
import { planWrite, runWrite } from './write-file.js';

const EditFileInput = z.object({
  path: z.string().min(1).describe('The file to edit: relative to the workspace root, or absolute.'),
  old_string: z
    .string()
    .min(1)
    .describe('The exact text to replace; it must occur exactly once unless replace_all.'),
  new_string: z.string().describe('The text to put in its place.'),
  replace_all: z.boolean().optional().describe('Replace every occurrence of old_string (default false).'),
});
type EditFileInput = z.infer<typeof EditFileInput>;

/** Non-overlapping occurrences of `needle` in `text`, left to right (as a replace would find them). */
export function occurrences(text: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) at.push(i);
  return at;
}

function applyEdit(text: string, input: EditFileInput, shown: string): string {
  if (input.old_string === input.new_string) throw new ToolError('old_string and new_string are identical');
  const at = occurrences(text, input.old_string);
  if (at.length === 0)
    throw new ToolError(`old_string was not found in ${shown} (0 matches); nothing changed`);
  if (at.length > 1 && input.replace_all !== true) {
    throw new ToolError(
      `old_string occurs ${at.length} times in ${shown}; include more surrounding context to make it ` +
        'unique, or set replace_all to replace every occurrence. Nothing changed.',
    );
  }
  const parts: string[] = [];
  let from = 0;
  for (const i of at) {
    parts.push(text.slice(from, i), input.new_string);
    from = i + input.old_string.length;
  }
  parts.push(text.slice(from));
  return parts.join('');
}

/**
 * `edit_file`: replaces a unique `old_string` (or every one with `replace_all`) and returns
 * the unified diff. Planning reads the file through the interceptor (a `file_read` action:
 * the match count and the diff are information the agent must be allowed to read); the
 * write is a `file_write` bound to the new content's BLAKE3, its diff bound to the old one.
 */
export function createEditFileTool(): Tool<EditFileInput> {
  return {
    name: 'edit_file',
    description:
      'Edit a text file by exact string replacement. old_string must match the file exactly (including ' +
      'indentation) and occur exactly once, unless replace_all is true. Returns the unified diff. ' +
      'The user may be asked to approve the change, shown as a diff.',
    inputSchema: EditFileInput,
    async plan(input, ctx): Promise<ToolPlan> {
      const check = await resolveForPlan(ctx, input.path, 'write');
      const path = check.realPath;
      const shown = displayPath(ctx, path);
      const base = await authorizedStep(ctx, { kind: 'file_read', path }, async () => {
        const b = await readBase(ctx, path);
        return { value: b, ...(b.exists ? { output: b.bytes } : {}) };
      });
      if (!base.exists) throw new ToolError(`${shown} does not exist (use write_file to create a file)`);
      if (base.binary) throw new ToolError(`${shown} looks like a binary file; edit_file edits text only`);
      const content = Buffer.from(applyEdit(base.bytes.toString('utf8'), input, shown), 'utf8');
      if (content.length > MAX_REPLACE_BYTES)
        throw new ToolError(`the edited file would exceed ${MAX_REPLACE_BYTES} bytes`);
      return planWrite(ctx, check, content, base);
    },
    async run(_input, plan, authorizations, ctx) {
      const path = (plan.actions[0] as { path: string }).path;
      const diff = plan.preview?.kind === 'diff' ? plan.preview.diff : '';
      const outcome = await runWrite(ctx, plan, authorizations[0], () => `Edited ${displayPath(ctx, path)}`);
      return { content: `${outcome.content}\n${diff}`, meta: { ...outcome.meta, diff } };
    },
  };
}
