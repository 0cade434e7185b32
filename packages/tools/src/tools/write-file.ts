import type { ApprovalPreview } from '@astrid/approval';
import { isAstridError, type SensitiveAction } from '@astrid/core';
import { blake3Hex } from '@astrid/crypto';
import type { BoundaryCheck } from '@astrid/workspace';
import { z } from 'zod';
import { unifiedDiff } from '../diff.js';
import { ToolError } from '../errors.js';
import { atomicWrite } from '../fs/atomic-write.js';
import { type FileBase, readBase } from '../fs/base.js';
import { displayPath, resolveForPlan } from '../paths.js';
import type { Tool, ToolContext, ToolOutcome, ToolPlan } from '../tool.js';

/** The largest content write_file accepts, in characters. */
export const WRITE_MAX_CHARS = 16 * 1024 * 1024;

const WriteFileInput = z.object({
  path: z.string().min(1).describe('The file to write: relative to the workspace root, or absolute.'),
  content: z.string().max(WRITE_MAX_CHARS).describe('The complete new content of the file.'),
});
type WriteFileInput = z.infer<typeof WriteFileInput>;

/** What planning a write found; running checks the file still matches it. */
export interface WritePlanState {
  readonly tool: 'file_write';
  /** BLAKE3 of the file the diff was computed from (null: new file); undefined: not readable. */
  readonly baseHash: string | null | undefined;
  readonly content: Buffer;
}

/** Reads a plan's state back, refusing anything that is not a write plan. */
export function writeState(plan: ToolPlan): WritePlanState {
  const s = plan.state as WritePlanState | undefined;
  if (s?.tool !== 'file_write' || !Buffer.isBuffer(s.content))
    throw new ToolError('internal: not a write plan');
  return s;
}

/** The diff preview for replacing `base` with `content`, bound to the base's hash. */
export function writePreview(label: string, path: string, base: FileBase, content: Buffer): ApprovalPreview {
  let diff: string;
  if (base.exists && base.binary) {
    diff = `--- a/${label}\n+++ b/${label}\n(binary file of ${base.bytes.length} bytes replaced by ${content.length} bytes)\n`;
  } else {
    diff = unifiedDiff(label, base.exists ? base.bytes.toString('utf8') : null, content.toString('utf8'));
  }
  return { kind: 'diff', path, diff, baseHash: base.hash };
}

/**
 * The plan of replacing `path` with `content`: one `file_write` bound to the content's
 * BLAKE3 and size, with a diff preview bound to the BLAKE3 of the current file. A file the
 * policy or the boundary will refuse is not read; the interceptor then denies (audited).
 */
export async function planWrite(
  ctx: ToolContext,
  check: BoundaryCheck,
  content: Buffer,
  known?: FileBase,
): Promise<ToolPlan> {
  const path = check.realPath;
  let base = known;
  if (base === undefined && check.kind !== 'never') {
    try {
      base = await readBase(ctx, path);
    } catch (err) {
      if (!isAstridError(err, 'POLICY_DENIED')) throw err;
    }
  }
  const action: SensitiveAction = {
    kind: 'file_write',
    path,
    contentHash: blake3Hex(content),
    bytes: content.length,
  };
  const state: WritePlanState = { tool: 'file_write', baseHash: base?.hash, content };
  if (base === undefined) return { actions: [action], state };
  return { actions: [action], preview: writePreview(displayPath(ctx, path), path, base, content), state };
}

/** Runs a planned write with its Authorization: the atomic write, inside `interceptor.execute`. */
export async function runWrite(
  ctx: ToolContext,
  plan: ToolPlan,
  authorization: unknown,
  summary: (created: boolean) => string,
): Promise<ToolOutcome & { created: boolean }> {
  const action = plan.actions[0] as SensitiveAction;
  const state = writeState(plan);
  return ctx.interceptor.execute(authorization, action, async () => {
    if (state.baseHash === undefined) {
      throw new ToolError('the current file could not be read, so no diff was approved; not written');
    }
    if (action.kind !== 'file_write') throw new ToolError('internal: not a write action');
    const result = await atomicWrite(ctx, {
      path: action.path,
      content: state.content,
      baseHash: state.baseHash,
      action,
    });
    const dirs = result.createdDirs.length > 0 ? ` (created ${result.createdDirs.length} directories)` : '';
    const content = `${summary(result.created)}${dirs}`;
    const value = {
      content,
      created: result.created,
      meta: { path: action.path, bytes: state.content.length, created: result.created },
    };
    return { value, output: content };
  });
}

/** `write_file`: atomic replace (temp file + rename in the verified parent), creating parents. */
export function createWriteFileTool(): Tool<WriteFileInput> {
  return {
    name: 'write_file',
    description:
      'Create or overwrite a file with the given content. The write is atomic (a temporary file ' +
      'renamed into place) and missing parent directories inside the workspace are created. ' +
      'The user may be asked to approve the change, shown as a diff.',
    inputSchema: WriteFileInput,
    async plan(input, ctx) {
      const check = await resolveForPlan(ctx, input.path, 'write');
      return planWrite(ctx, check, Buffer.from(input.content, 'utf8'));
    },
    async run(_input, plan, authorizations, ctx) {
      const shown = displayPath(ctx, (plan.actions[0] as { path: string }).path);
      const bytes = writeState(plan).content.length;
      const { created: _created, ...outcome } = await runWrite(
        ctx,
        plan,
        authorizations[0],
        (created) => `${created ? 'Created' : 'Overwrote'} ${shown} (${bytes} bytes)`,
      );
      return outcome;
    },
  };
}
