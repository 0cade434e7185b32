import { createTwoFilesPatch } from 'diff';

/** Inputs larger than this (old plus new) are not diffed; the card says so. */
export const MAX_DIFF_INPUT_BYTES = 2 * 1024 * 1024;
/** A diff longer than this is cut on the approval card (the content hash still binds the action). */
export const MAX_DIFF_CHARS = 64 * 1024;
// Myers' diff is superlinear on very different inputs; past this the card says so instead.
const DIFF_TIMEOUT_MS = 1000;

/**
 * A unified diff of `before` (null: the file does not exist) to `after`, labelled with
 * `label`, for the approval card and the edit_file result. Bounded in input size, time and
 * output length; when a bound is hit the text says so rather than showing a partial diff
 * silently.
 */
export function unifiedDiff(label: string, before: string | null, after: string): string {
  if (Buffer.byteLength(before ?? '') + Buffer.byteLength(after) > MAX_DIFF_INPUT_BYTES) {
    return `--- ${label}\n+++ ${label}\n(diff omitted: the file is larger than ${MAX_DIFF_INPUT_BYTES} bytes)\n`;
  }
  const patch = createTwoFilesPatch(
    before === null ? '/dev/null' : `a/${label}`,
    `b/${label}`,
    before ?? '',
    after,
    undefined,
    undefined,
    { context: 3, timeout: DIFF_TIMEOUT_MS },
  );
  if (patch === undefined) return `--- ${label}\n+++ ${label}\n(diff omitted: too many changes to compute)\n`;
  // createTwoFilesPatch starts with an "Index:"/"====" header pair we do not need.
  const body = patch.replace(/^Index:[^\n]*\n=+\n/, '');
  if (body.length <= MAX_DIFF_CHARS) return body;
  const cut = body.lastIndexOf('\n', MAX_DIFF_CHARS);
  return `${body.slice(0, cut + 1)}(diff truncated: ${body.length - cut - 1} more characters)\n`;
}

/** Counts added and removed lines of a unified diff (for summaries). */
export function diffStat(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { added, removed };
}
