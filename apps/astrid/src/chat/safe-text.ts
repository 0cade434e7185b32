import { sanitize } from '../sanitize.js';

declare const safeBrand: unique symbol;

/**
 * Text that went through {@link sanitize}: no escape sequence, no invisible or control
 * character (newlines only where asked). The chat state holds only this type for anything
 * that came from the daemon, so a view cannot print a raw string by mistake: the compiler
 * refuses it where `SafeText` is expected.
 */
export type SafeText = string & { readonly [safeBrand]: true };

/** Sanitises one line of untrusted text (newlines shown as `\n`). */
export function safe(text: string): SafeText {
  return sanitize(text) as SafeText;
}

/** Sanitises multi-line untrusted text (newlines kept). */
export function safeBlock(text: string): SafeText {
  return sanitize(text, { multiline: true }) as SafeText;
}

/** Our own text (labels, key hints): trusted by construction, typed as safe. */
export function ours(text: string): SafeText {
  return text as SafeText;
}

/** Cuts sanitised text to `max` characters with an ellipsis (cutting cannot make it unsafe). */
export function cut(text: SafeText, max: number): SafeText {
  return (text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`) as SafeText;
}
