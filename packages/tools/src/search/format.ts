/** A shown line is cut past this many characters. */
export const GREP_SHOW_LINE_CHARS = 500;

function show(line: string): string {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  return text.length > GREP_SHOW_LINE_CHARS ? `${text.slice(0, GREP_SHOW_LINE_CHARS)}…` : text;
}

/**
 * The matches of one file in ripgrep's layout: `path:N:line` for a match, `path-N-line` for
 * context, and `--` between groups that do not touch.
 */
export function formatMatches(
  label: string,
  lines: readonly string[],
  hits: readonly number[],
  context: number,
): string[] {
  const out: string[] = [];
  if (context === 0) {
    for (const i of hits) out.push(`${label}:${i + 1}:${show(lines[i] ?? '')}`);
    return out;
  }
  const isHit = new Set(hits);
  let printedUpTo = -1;
  for (const i of hits) {
    const from = Math.max(0, i - context, printedUpTo + 1);
    const to = Math.min(lines.length - 1, i + context);
    if (printedUpTo >= 0 && from > printedUpTo + 1) out.push('--');
    for (let j = from; j <= to; j++) {
      out.push(
        `${label}${isHit.has(j) ? ':' : '-'}${j + 1}${isHit.has(j) ? ':' : '-'}${show(lines[j] ?? '')}`,
      );
    }
    printedUpTo = Math.max(printedUpTo, to);
  }
  return out;
}

/** Cuts text longer than `max` characters at a line boundary, with a notice. */
export function clipOutput(text: string, max: number): { text: string; clipped: boolean } {
  if (text.length <= max) return { text, clipped: false };
  const cut = text.lastIndexOf('\n', max);
  const head = text.slice(0, cut > 0 ? cut : max);
  return { text: `${head}\n[output cut at ${max} characters; narrow the search]`, clipped: true };
}
