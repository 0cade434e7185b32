import { lstat } from 'node:fs/promises';
import type { SensitiveAction } from '@astrid/core';
import { z } from 'zod';
import { ToolCancelledError } from '../errors.js';
import { looksBinary, openVerified, readHead } from '../fs/open.js';
import { displayPath, resolveForPlan } from '../paths.js';
import { clipOutput, formatMatches } from '../search/format.js';
import { LineMatcher } from '../search/line-matcher.js';
import { assertRelativePattern, walkFiles } from '../search/walk.js';
import type { Tool, ToolContext, ToolOutcome } from '../tool.js';

/** Limits of one grep call; the defaults are documented in the README. */
export interface GrepLimits {
  /** Files larger than this are skipped. Default 8 MiB. */
  readonly maxFileBytes: number;
  /** The search stops after reading this much. Default 64 MiB. */
  readonly maxTotalBytes: number;
  /** Time the pattern may take on one file before the call fails. Default 2000 ms. */
  readonly regexTimeoutMs: number;
  /** Characters of output returned. Default 30,000. */
  readonly maxOutputChars: number;
}

/** The default {@link GrepLimits}. */
export const GREP_LIMITS: GrepLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  regexTimeoutMs: 2000,
  maxOutputChars: 30_000,
};
const DEFAULT_RESULTS = 200;

const GrepInput = z.object({
  pattern: z.string().min(1).max(1000).describe('A JavaScript regular expression, matched line by line.'),
  path: z.string().min(1).optional().describe('A file or directory to search (default: the workspace root).'),
  glob: z.string().min(1).max(1000).optional().describe('Only search files matching this glob, e.g. "*.ts".'),
  context: z.number().int().min(0).max(20).optional().describe('Lines of context around each match.'),
  case_insensitive: z.boolean().optional().describe('Match without regard to case.'),
  max_results: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe(`The most matching lines returned (default ${DEFAULT_RESULTS}).`),
});
type GrepInput = z.infer<typeof GrepInput>;

interface Tally {
  matches: number;
  files: number;
  binary: number;
  large: number;
  refused: number;
  scanned: number;
  stopped?: 'results' | 'bytes';
}

async function searchFile(
  ctx: ToolContext,
  path: string,
  input: GrepInput,
  m: LineMatcher,
  limits: GrepLimits,
  t: Tally,
  out: string[],
) {
  let opened: Awaited<ReturnType<typeof openVerified>>;
  try {
    // Verified like any read: no symlink, the descriptor really is this path, policy allows it.
    opened = await openVerified(ctx, path, { op: 'read', kind: 'file', policy: { kind: 'file_read', path } });
  } catch {
    t.refused++;
    return;
  }
  try {
    const size = opened.stat.size;
    if (size > limits.maxFileBytes) {
      t.large++;
      return;
    }
    if (t.scanned + size > limits.maxTotalBytes) {
      t.stopped = 'bytes';
      return;
    }
    const bytes = await readHead(opened.handle, size);
    t.scanned += bytes.length;
    if (looksBinary(bytes)) {
      t.binary++;
      return;
    }
    const text = bytes.toString('utf8');
    const label = displayPath(ctx, path);
    const hits = m.matchingLines(text, label);
    if (hits.length === 0) return;
    const room = (input.max_results ?? DEFAULT_RESULTS) - t.matches;
    const kept = hits.slice(0, room);
    if (hits.length > room) t.stopped = 'results';
    t.matches += kept.length;
    t.files++;
    if (input.context && out.length > 0) out.push('--');
    const lines = text.split('\n');
    if (text.endsWith('\n')) lines.pop();
    out.push(...formatMatches(label, lines, kept, input.context ?? 0));
  } finally {
    await opened.handle.close();
  }
}

function summary(t: Tally, input: GrepInput): string {
  const parts = [`${t.matches} matching lines in ${t.files} files`];
  if (t.stopped === 'results') parts.push(`stopped at max_results=${input.max_results ?? DEFAULT_RESULTS}`);
  if (t.stopped === 'bytes') parts.push('stopped after the scan limit; narrow path or glob');
  if (t.binary > 0) parts.push(`${t.binary} binary files skipped`);
  if (t.large > 0) parts.push(`${t.large} large files skipped`);
  if (t.refused > 0) parts.push(`${t.refused} files refused (links, policy or changed)`);
  return `[${parts.join('; ')}]`;
}

async function grepAuthorized(
  ctx: ToolContext,
  root: string,
  input: GrepInput,
  limits: GrepLimits,
): Promise<ToolOutcome> {
  const matcher = new LineMatcher(input.pattern, input.case_insensitive === true, limits.regexTimeoutMs);
  const isDir = (await lstat(root)).isDirectory();
  const t: Tally = { matches: 0, files: 0, binary: 0, large: 0, refused: 0, scanned: 0 };
  const out: string[] = [];
  let files: string[] = [root];
  if (isDir) {
    const dir = await openVerified(ctx, root, {
      op: 'list',
      kind: 'directory',
      policy: { kind: 'file_read', path: root },
    });
    try {
      const filter =
        input.glob === undefined ? '**/*' : input.glob.includes('/') ? input.glob : `**/${input.glob}`;
      // node_modules is skipped unless the search names it; .git always.
      const named = `${input.glob ?? ''} ${root}`.includes('node_modules');
      files = await walkFiles(dir.handle, root, filter, {
        ignore: ['**/.git/**', ...(named ? [] : ['**/node_modules/**'])],
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      });
    } finally {
      await dir.handle.close();
    }
  }
  for (const file of files) {
    if (ctx.signal?.aborted) throw new ToolCancelledError('the search');
    if (t.stopped !== undefined) break;
    await searchFile(ctx, file, input, matcher, limits, t, out);
  }
  const body =
    t.matches === 0 ? `No matches for /${input.pattern}/ in ${displayPath(ctx, root)}` : out.join('\n');
  const clipped = clipOutput(body, limits.maxOutputChars);
  return {
    content: `${clipped.text}\n${summary(t, input)}`,
    meta: { matches: t.matches, files: t.files, truncated: t.stopped !== undefined || clipped.clipped },
  };
}

/** `grep`: regex search with context, skipping binary files, `.git` and symlinks; capped. */
export function createGrepTool(limits: Partial<GrepLimits> = {}): Tool<GrepInput> {
  const l: GrepLimits = { ...GREP_LIMITS, ...limits };
  return {
    name: 'grep',
    readOnly: true,
    description:
      'Search file contents with a JavaScript regular expression, line by line. Prints path:line:text ' +
      `(ripgrep style), at most ${DEFAULT_RESULTS} matching lines by default. Skips binary files, .git, ` +
      'node_modules (unless named), lines over 10,000 characters, and never follows symbolic links.',
    inputSchema: GrepInput,
    async plan(input, ctx) {
      if (input.glob !== undefined) assertRelativePattern(input.glob, 'glob');
      new LineMatcher(input.pattern, input.case_insensitive === true, l.regexTimeoutMs);
      const check = await resolveForPlan(ctx, input.path ?? '.', 'read');
      return { actions: [{ kind: 'file_read', path: check.realPath }] };
    },
    async run(input, plan, authorizations, ctx) {
      const action = plan.actions[0] as SensitiveAction & { kind: 'file_read' };
      return ctx.interceptor.execute(authorizations[0], action, async () => {
        const outcome = await grepAuthorized(ctx, action.path, input, l);
        return { value: outcome, output: outcome.content };
      });
    },
  };
}
