import picomatch from 'picomatch';

type ArgMatcher = (arg: string) => boolean;
const compiled = new Map<string, { args: ArgMatcher[]; rest: boolean }>();

function compile(pattern: string): { args: ArgMatcher[]; rest: boolean } {
  let c = compiled.get(pattern);
  if (c === undefined) {
    const words = pattern
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    const rest = words.length > 1 && words.at(-1) === '**';
    if (rest) words.pop();
    // Each argument is one glob; `*` does not cross `/`, so `cat *` cannot reach `/etc/x`.
    // Brace, bracket and extglob syntax are off: a pattern should mean what it looks like.
    c = {
      args: words.map((w) =>
        picomatch(w, { dot: true, nobrace: true, noextglob: true, nobracket: true, literalBrackets: true }),
      ),
      rest,
    };
    compiled.set(pattern, c);
  }
  return c;
}

/**
 * True when `argv` matches one of the `allowed_commands` patterns: whitespace-separated
 * globs matched argument by argument, the same number of arguments, except that a final
 * `**` word allows any further arguments. `git status` allows exactly `git status`;
 * `git log **` allows `git log` with any arguments. The program (first word) must match too.
 */
export function matchesAllowedCommand(argv: readonly string[], patterns: readonly string[]): boolean {
  for (const pattern of patterns) {
    const { args, rest } = compile(pattern);
    if (args.length === 0) continue;
    if (rest ? argv.length < args.length : argv.length !== args.length) continue;
    if (args.every((m, i) => m(argv[i] ?? ''))) return true;
  }
  return false;
}
