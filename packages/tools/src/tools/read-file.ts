import type { FileHandle } from 'node:fs/promises';
import type { SensitiveAction } from '@astrid/core';
import { z } from 'zod';
import { ToolError } from '../errors.js';
import { BINARY_SNIFF_BYTES, looksBinary, openVerified, readHead } from '../fs/open.js';
import { displayPath, resolveForPlan } from '../paths.js';
import type { Tool, ToolContext, ToolOutcome } from '../tool.js';

/** Lines shown when the agent gives no `limit`. */
export const READ_DEFAULT_LINES = 2000;
/** The most text one call returns (before line numbers), whatever `limit` says. */
export const READ_MAX_BYTES = 256 * 1024;
/** A longer line is cut when shown. */
export const READ_MAX_LINE_CHARS = 2000;
/** The most bytes scanned to reach `offset` (a bound on work, not on the file). */
export const READ_MAX_SCAN_BYTES = 64 * 1024 * 1024;

const CHUNK = 64 * 1024;

const ReadFileInput = z.object({
  path: z.string().min(1).describe('The file to read: relative to the workspace root, or absolute.'),
  offset: z.number().int().min(1).optional().describe('The 1-based line number to start at (default 1).'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .describe(`How many lines to read (default ${READ_DEFAULT_LINES}).`),
});
type ReadFileInput = z.infer<typeof ReadFileInput>;

interface Page {
  readonly lines: string[];
  readonly first: number;
  /** True when the file goes on after the last line shown. */
  readonly more: boolean;
  /** Lines seen in all (exact when `more` is false). */
  readonly seen: number;
  readonly scanCapped: boolean;
}

function showLine(line: Buffer): string {
  let text = line.toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.length <= READ_MAX_LINE_CHARS) return text;
  return `${text.slice(0, READ_MAX_LINE_CHARS)}… [line cut: ${text.length} characters]`;
}

/**
 * Scans the file from its start for the page of lines asked for. `whole` is the file's
 * entire content when already read (a short file, read whole by the binary sniff): then
 * nothing more is read.
 */
async function readPage(
  handle: FileHandle,
  offset: number,
  limit: number,
  whole: Buffer | undefined,
): Promise<Page> {
  const lines: string[] = [];
  let lineNo = 1;
  let pos = 0;
  let shownBytes = 0;
  let partial: Buffer[] = [];
  const buf = whole ?? Buffer.alloc(CHUNK);
  let ended = false;
  while (!ended) {
    if (pos >= READ_MAX_SCAN_BYTES)
      return { lines, first: offset, more: true, seen: lineNo - 1, scanCapped: true };
    let bytesRead: number;
    if (whole === undefined) {
      ({ bytesRead } = await handle.read(buf, 0, CHUNK, pos));
      // A regular file reads short only at its end (see readHead).
      ended = bytesRead < CHUNK;
    } else {
      bytesRead = whole.length;
      ended = true;
    }
    if (bytesRead === 0) break;
    pos += bytesRead;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl === -1 || nl >= bytesRead) {
        partial.push(Buffer.from(buf.subarray(start, bytesRead)));
        break;
      }
      const line = Buffer.concat([...partial, buf.subarray(start, nl)]);
      partial = [];
      start = nl + 1;
      if (lineNo >= offset) {
        if (lines.length >= limit || shownBytes + line.length > READ_MAX_BYTES) {
          return { lines, first: offset, more: true, seen: lineNo, scanCapped: false };
        }
        lines.push(showLine(line));
        shownBytes += line.length + 1;
      }
      lineNo++;
    }
  }
  const last = Buffer.concat(partial);
  if (last.length > 0) {
    if (lineNo >= offset) {
      if (lines.length >= limit || shownBytes + last.length > READ_MAX_BYTES) {
        return { lines, first: offset, more: true, seen: lineNo, scanCapped: false };
      }
      lines.push(showLine(last));
    }
    lineNo++;
  }
  return { lines, first: offset, more: false, seen: lineNo - 1, scanCapped: false };
}

function render(page: Page, path: string): string {
  if (page.seen === 0 && !page.more) return `(${path} is empty)`;
  if (page.lines.length === 0 && !page.more) {
    return `(${path} has only ${page.seen} lines; offset ${page.first} is past the end)`;
  }
  const width = Math.max(6, String(page.first + page.lines.length).length);
  const body = page.lines.map((l, i) => `${String(page.first + i).padStart(width)}\t${l}`).join('\n');
  const last = page.first + page.lines.length - 1;
  if (page.scanCapped) {
    return `${body}\n[stopped after scanning ${READ_MAX_SCAN_BYTES} bytes; use a smaller offset or another tool]`;
  }
  if (page.more)
    return `${body}\n[showing lines ${page.first}-${last}; the file goes on: use offset=${last + 1}]`;
  return body;
}

/** `read_file`: numbered lines (like `cat -n`) of a text file, with caps; binary files are refused. */
export function createReadFileTool(): Tool<ReadFileInput> {
  return {
    name: 'read_file',
    readOnly: true,
    description:
      `Read a text file. Returns numbered lines like \`cat -n\`. Reads at most ${READ_DEFAULT_LINES} lines ` +
      `(or \`limit\`) and ${READ_MAX_BYTES / 1024} KiB per call; use \`offset\` to page. Lines longer than ` +
      `${READ_MAX_LINE_CHARS} characters are cut. Binary files (a NUL byte in the first 8 KiB) are refused.`,
    inputSchema: ReadFileInput,
    async plan(input, ctx) {
      const check = await resolveForPlan(ctx, input.path, 'read');
      return { actions: [{ kind: 'file_read', path: check.realPath }] };
    },
    async run(input, plan, authorizations, ctx): Promise<ToolOutcome> {
      const action = plan.actions[0] as SensitiveAction & { kind: 'file_read' };
      return ctx.interceptor.execute(authorizations[0], action, async () => {
        const outcome = await readAuthorized(ctx, action, input);
        return { value: outcome, output: outcome.content };
      });
    },
  };
}

async function readAuthorized(
  ctx: ToolContext,
  action: SensitiveAction & { kind: 'file_read' },
  input: ReadFileInput,
): Promise<ToolOutcome> {
  const { handle } = await openVerified(ctx, action.path, { op: 'read', kind: 'file', policy: action });
  try {
    const shown = displayPath(ctx, action.path);
    const head = await readHead(handle, BINARY_SNIFF_BYTES);
    if (looksBinary(head)) {
      throw new ToolError(`${shown} looks like a binary file (a NUL byte in its first 8 KiB); not shown`);
    }
    // Shorter than asked: the sniff read the whole file, so the page is scanned from it.
    const whole = head.length < BINARY_SNIFF_BYTES ? head : undefined;
    const page = await readPage(handle, input.offset ?? 1, input.limit ?? READ_DEFAULT_LINES, whole);
    return {
      content: render(page, shown),
      meta: {
        path: action.path,
        firstLine: page.first,
        lines: page.lines.length,
        truncated: page.more,
      },
    };
  } finally {
    // Not awaited: closing a descriptor opened for reading cannot lose data, and the result
    // need not wait one more round trip to the thread pool for it.
    handle.close().catch(() => undefined);
  }
}
