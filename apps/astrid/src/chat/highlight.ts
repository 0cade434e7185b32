import type { SafeText } from './safe-text.js';

type Emphasize = ReturnType<typeof import('emphasize')['createEmphasize']>;

let loaded: Emphasize | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads emphasize (highlight.js grammars, ~0.25 s) in the background: the prompt does not
 * wait for it; code blocks render plain until it is there, then highlighted.
 */
export function loadHighlighter(): Promise<void> {
  loading ??= import('emphasize').then((m) => {
    loaded = m.createEmphasize(m.common);
  });
  return loading;
}

/** True once {@link loadHighlighter} finished. */
export function highlighterReady(): boolean {
  return loaded !== undefined;
}

const cache = new Map<string, string>();
const MAX_CACHE = 200;
const MAX_HIGHLIGHT_CHARS = 20_000;
const MAX_AUTO_CHARS = 5_000;

/**
 * Highlights sanitised code with ANSI colours; the input is plain text with no escape
 * sequence, so the only escapes in the result are emphasize's own SGR colours. An unknown
 * or missing language is guessed (on blocks up to 5,000 characters). Undefined while the
 * highlighter is not loaded, or for a block too big to highlight on every streamed delta.
 */
export function highlight(code: SafeText, language: string | undefined): string | undefined {
  const e = loaded;
  if (e === undefined || code.length > MAX_HIGHLIGHT_CHARS) return undefined;
  const lang = language?.trim().toLowerCase() ?? '';
  const known = lang !== '' && e.registered(lang);
  if (!known && code.length > MAX_AUTO_CHARS) return undefined;
  const key = `${lang}\0${code}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let out: string;
  try {
    out = known ? e.highlight(lang, code).value : e.highlightAuto(code).value;
  } catch {
    return undefined;
  }
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(key, out);
  return out;
}
