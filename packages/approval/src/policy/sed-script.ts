/**
 * A small reader for sed scripts, enough to find the commands that leave sed's text stream:
 * `e` (and the `e` flag of `s`) runs a shell command, `w`/`W` (and the `w` flag) write a
 * file, `r`/`R` read one. Anything it does not understand is reported, never guessed.
 */
export interface SedEffects {
  readonly executes: boolean;
  readonly writes: readonly string[];
  readonly reads: readonly string[];
  readonly understood: boolean;
}

const TO_END_OF_LINE = new Set(['a', 'i', 'c', 'r', 'R', 'w', 'W', 'e', 'v']);
// GNU sed ends a label at a newline or a semicolon.
const LABELLED = new Set([':', 'b', 't', 'T']);
const NO_ARGUMENT = new Set([
  '=',
  'd',
  'D',
  'g',
  'G',
  'h',
  'H',
  'l',
  'n',
  'N',
  'p',
  'P',
  'x',
  'z',
  'F',
  '{',
  '}',
  '#',
]);

/** Scans one sed script for commands that execute, write or read. */
export function sedEffects(script: string): SedEffects {
  const writes: string[] = [];
  const reads: string[] = [];
  let executes = false;
  let i = 0;
  const n = script.length;
  const skipBlank = () => {
    while (i < n && /[\s;]/.test(script[i] as string)) i++;
  };
  const restOfLine = (): string => {
    const end = script.indexOf('\n', i);
    const text = script.slice(i, end === -1 ? n : end).trim();
    i = end === -1 ? n : end + 1;
    return text;
  };
  // Reads a delimited part (`/re/`, `s/a/b/`), honouring backslash escapes.
  const delimited = (delim: string): boolean => {
    while (i < n && script[i] !== delim) {
      if (script[i] === '\\') i++;
      if (script[i] === '\n' && delim !== '\n') return false;
      i++;
    }
    if (i >= n) return false;
    i++;
    return true;
  };
  const address = (): boolean => {
    const c = script[i];
    if (c === '/') {
      i++;
      if (!delimited('/')) return false;
    } else if (c === '\\') {
      const d = script[i + 1];
      if (d === undefined) return false;
      i += 2;
      if (!delimited(d)) return false;
    } else if (c !== undefined && /[0-9$]/.test(c)) {
      while (i < n && /[0-9$~+]/.test(script[i] as string)) i++;
    } else return true;
    while (i < n && /[IM]/.test(script[i] as string)) i++;
    return true;
  };
  while (i < n) {
    skipBlank();
    if (i >= n) break;
    if (!address()) return { executes, writes, reads, understood: false };
    if (script[i] === ',') {
      i++;
      if (!address()) return { executes, writes, reads, understood: false };
    }
    while (i < n && /[\s!]/.test(script[i] as string)) i++;
    const cmd = script[i++];
    if (cmd === undefined) break;
    if (cmd === '#') {
      restOfLine();
    } else if (cmd === 's' || cmd === 'y') {
      const d = script[i++];
      if (d === undefined || d === '\n' || d === '\\') return { executes, writes, reads, understood: false };
      if (!delimited(d) || !delimited(d)) return { executes, writes, reads, understood: false };
      if (cmd === 's') {
        while (i < n && /[0-9gpiImMe]/.test(script[i] as string)) {
          if (script[i] === 'e') executes = true;
          i++;
        }
        if (script[i] === 'w') {
          i++;
          writes.push(restOfLine());
        }
      }
    } else if (LABELLED.has(cmd)) {
      while (i < n && script[i] !== ';' && script[i] !== '\n') i++;
    } else if (TO_END_OF_LINE.has(cmd)) {
      const arg = restOfLine();
      if (cmd === 'e') executes = true;
      if (cmd === 'w' || cmd === 'W') writes.push(arg);
      if (cmd === 'r' || cmd === 'R') reads.push(arg);
    } else if (cmd === 'q' || cmd === 'Q' || cmd === 'l' || cmd === 'L') {
      while (i < n && /[0-9 ]/.test(script[i] as string)) i++;
    } else if (!NO_ARGUMENT.has(cmd)) {
      return { executes, writes, reads, understood: false };
    }
  }
  return { executes, writes, reads, understood: true };
}
