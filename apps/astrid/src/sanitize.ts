// Everything the daemon sends (labels, summaries, reasons, agent text, audit details) may
// come from the model or a tool, so it is attacker-controlled. Printed raw it could move the
// cursor, rewrite earlier lines (a fake "approved"), set the clipboard (OSC 52), hide a link
// (OSC 8) or reorder what the user reads (bidi overrides). Only the CLI's own styling may
// reach the terminal: escape sequences are removed whole, and every other invisible or
// control character is shown escaped (`\u202e`), so the user sees that something was there.

// ESC-introduced sequences: CSI, OSC/DCS/SOS/PM/APC strings (terminated by BEL or ST, or
// unterminated to the end), and two-byte escapes. The C1 forms (0x9b CSI, 0x9d OSC...) too.
const ESCAPE_SEQUENCE = new RegExp(
  [
    '\\u001b\\[[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]?',
    '\\u009b[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]?',
    '\\u001b[\\]PX^_][\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c|$)',
    '[\\u0090\\u0098\\u009d\\u009e\\u009f][\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c|$)',
    '\\u001b[\\u0020-\\u002f]*[\\u0030-\\u007e]?',
  ].join('|'),
  'g',
);

// C0 (but tab and newline, handled below), DEL, C1, bidi embeddings/overrides/isolates and
// marks, zero-width characters, line/paragraph separators, the BOM, interlinear annotations.
const INVISIBLE = new RegExp(
  '[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u115f\\u1160\\u180e\\u200b-\\u200f' +
    '\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\ufff9-\\ufffb]',
  'g',
);

function escaped(ch: string): string {
  return `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

/** Options of {@link sanitize}. */
export interface SanitizeOptions {
  /** Keep newlines (for multi-line text such as a diff); default: shown as `\n`. */
  readonly multiline?: boolean;
}

/** Makes untrusted text safe to print to a terminal: no escape sequence, no invisible character. */
export function sanitize(text: string, options: SanitizeOptions = {}): string {
  if (typeof text !== 'string') throw new TypeError(`"text" expected a string, got ${typeof text}`);
  const stripped = text.replace(ESCAPE_SEQUENCE, '').replace(/\r\n?/g, '\n');
  const visible = stripped.replace(INVISIBLE, escaped).replace(/\t/g, '  ');
  return options.multiline === true ? visible : visible.replace(/\n/g, '\\n');
}

/**
 * JSON for a terminal or a pipe: `JSON.stringify` escapes C0 but emits C1, bidi and
 * zero-width characters raw; they are escaped here too, so the text is the same JSON value
 * and still safe to print.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(INVISIBLE, escaped);
}
