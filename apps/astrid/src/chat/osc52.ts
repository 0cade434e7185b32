import type { SafeText } from './safe-text.js';

/**
 * The OSC 52 "set clipboard" sequence for `text`. Only sanitised text is accepted: the
 * payload is base64, so it could not break out of the sequence anyway, but a copied escape
 * sequence would run when the user pastes it into a terminal.
 */
export function osc52(text: SafeText): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}
