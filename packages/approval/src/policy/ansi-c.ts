/**
 * Decodes the body of a bash ANSI-C string (`$'...'`), so `$'\x73udo'` is judged as `sudo`.
 * Returns undefined for a sequence whose meaning is not certain (the caller then treats the
 * word as unresolved rather than guessing).
 */
export function decodeAnsiC(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[n];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    if (n === 'x' || n === 'u' || n === 'U') {
      const max = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = /^[0-9a-fA-F]+/.exec(body.slice(i + 1, i + 1 + max))?.[0];
      if (hex === undefined) return undefined;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) return undefined;
      out += String.fromCodePoint(code);
      i += hex.length;
      continue;
    }
    if (n >= '0' && n <= '7') {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i))?.[0] ?? n;
      out += String.fromCharCode(Number.parseInt(oct, 8) & 0xff);
      i += oct.length - 1;
      continue;
    }
    if (n === 'c') {
      const ctl = body[++i];
      if (ctl === undefined) return undefined;
      out += String.fromCharCode(ctl.toUpperCase().charCodeAt(0) & 0x1f);
      continue;
    }
    // bash keeps an unknown escape as backslash plus the character.
    out += `\\${n}`;
  }
  // bash stops a word at a NUL byte; an argv string cannot hold one, so refuse to guess.
  return out.includes('\0') ? undefined : out;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};
