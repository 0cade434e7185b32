/** The prompt line being edited, with its input history. */
export interface LineState {
  readonly text: string;
  readonly cursor: number;
  readonly history: readonly string[];
  /** Position in the history while browsing it; `history.length` is the line being typed. */
  readonly index: number;
  /** What was typed before browsing the history, restored when coming back down. */
  readonly draft: string;
}

/** The keys the editor understands (a subset of ink's `Key`). */
export interface EditKey {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly return?: boolean;
  readonly tab?: boolean;
  readonly escape?: boolean;
}

/** Most lines kept in the history. */
const MAX_HISTORY = 500;

/** An empty line with an optional history. */
export function emptyLine(history: readonly string[] = []): LineState {
  return { text: '', cursor: 0, history, index: history.length, draft: '' };
}

/** The line after one key (Enter is handled by {@link submitLine}). */
export function editLine(s: LineState, input: string, key: EditKey): LineState {
  if (key.upArrow) {
    if (s.index === 0) return s;
    const index = s.index - 1;
    const text = s.history[index] ?? '';
    return { ...s, index, text, cursor: text.length, draft: s.index === s.history.length ? s.text : s.draft };
  }
  if (key.downArrow) {
    if (s.index >= s.history.length) return s;
    const index = s.index + 1;
    const text = index === s.history.length ? s.draft : (s.history[index] ?? '');
    return { ...s, index, text, cursor: text.length };
  }
  if (key.leftArrow) return { ...s, cursor: Math.max(0, s.cursor - 1) };
  if (key.rightArrow) return { ...s, cursor: Math.min(s.text.length, s.cursor + 1) };
  if (key.home || (key.ctrl && input === 'a')) return { ...s, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { ...s, cursor: s.text.length };
  if (key.ctrl && input === 'u') return { ...s, text: s.text.slice(s.cursor), cursor: 0 };
  // Many terminals send DEL (0x7f) for Backspace, which ink reports as `delete`: both erase
  // the character before the cursor, as a user expects from the key labelled Backspace.
  if (key.backspace || key.delete) {
    if (s.cursor === 0) return s;
    return { ...s, text: s.text.slice(0, s.cursor - 1) + s.text.slice(s.cursor), cursor: s.cursor - 1 };
  }
  if (key.ctrl || key.meta || key.return || key.tab || key.escape || input === '') return s;
  // Pasted text arrives as one input; control characters in it are dropped (a pasted
  // newline would otherwise sit invisibly in the prompt).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  if (clean === '') return s;
  return {
    ...s,
    text: s.text.slice(0, s.cursor) + clean + s.text.slice(s.cursor),
    cursor: s.cursor + clean.length,
  };
}

/** Enter: the submitted text and a fresh line with it added to the history. */
export function submitLine(s: LineState): { readonly text: string; readonly next: LineState } {
  const text = s.text;
  const trimmed = text.trim();
  const history =
    trimmed === '' || s.history.at(-1) === text ? s.history : [...s.history, text].slice(-MAX_HISTORY);
  return { text, next: emptyLine(history) };
}
