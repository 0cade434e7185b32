import { posix } from 'node:path';
import picomatch from 'picomatch';
import { absoluteGlob, baseName, expandHome, resolvePath } from './paths.js';
import type { CommandWord, SimpleCommand } from './types.js';

/**
 * `blocked_commands` patterns. The first word names the program: a bare name or glob is
 * compared with the basename (case-insensitively, so `SUDO` on a case-insensitive file
 * system is still sudo), a word with a slash with the resolved path. Further words must all
 * be present, in any order, with extra arguments allowed:
 * - `-rf` needs each letter as a short option, bundled or not (`-r -f`, `-fr`), or its long
 *   form (`--recursive`, `--force`, or any GNU abbreviation of them);
 * - `--name` needs that long option;
 * - `key=value` needs an operand `key=...` whose value matches (dd's `of=/dev/sd*`);
 * - a word starting with `/` or `~` needs an operand that resolves (cwd, `~`, `..`) to a path
 *   it matches; an unquoted glob operand matches when it can expand to that path or to
 *   entries directly inside it, so `rm -rf /*` matches `rm -rf /`;
 * - any other word needs an equal operand (numbers compare without leading zeros, so
 *   `0777` is `777`), or one its glob matches.
 */
export interface BlockedPattern {
  readonly source: string;
  matches(command: SimpleCommand): boolean;
  /** For a pattern that is only a program: whether `path` (absolute) names that program. */
  namesProgram(path: string): boolean;
}

// Long spellings of short options, per program, so `rm --recursive --force /` is `rm -rf /`.
const LONG_FORMS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  rm: { r: ['R', '--recursive'], R: ['r', '--recursive'], f: ['--force'] },
  cp: { r: ['R', '--recursive'], R: ['r', '--recursive'], f: ['--force'] },
  chmod: { R: ['--recursive'] },
  chown: { R: ['--recursive'] },
  chgrp: { R: ['--recursive'] },
};

// Names that stand for "entries inside a directory" when testing a glob operand.
const SAMPLE_CHILDREN = ['x', 'etc', 'home', 'usr', 'bin', 'var', 'boot', 'root', 'tmp'];

interface ArgumentShape {
  readonly letters: Set<string>;
  readonly longs: readonly string[];
  readonly operands: readonly CommandWord[];
}

function shape(words: readonly CommandWord[]): ArgumentShape {
  const letters = new Set<string>();
  const longs: string[] = [];
  const operands: CommandWord[] = [];
  let options = true;
  for (const w of words) {
    const v = w.value;
    if (options && v === '--') options = false;
    else if (options && v.startsWith('--') && v.length > 2) longs.push(v.split('=')[0] as string);
    else if (options && v.startsWith('-') && v.length > 1 && w.known)
      for (const c of v.slice(1)) letters.add(c);
    else operands.push(w);
  }
  return { letters, longs, operands };
}

const isGlob = (text: string) => picomatch.scan(text).isGlob;
const stripZeros = (s: string) => (/^\d+$/.test(s) ? s.replace(/^0+(?=\d)/, '') : s);

function hasLong(shape: ArgumentShape, long: string): boolean {
  return shape.longs.some((given) => given.length > 2 && long.startsWith(given));
}

type ArgumentTest = (shape: ArgumentShape, cmd: SimpleCommand) => boolean;

function pathTest(token: string, home: string): (word: CommandWord, cmd: SimpleCommand) => boolean {
  const tokenIsGlob = isGlob(token);
  const target = expandHome(token, home);
  const literal = posix.resolve(target);
  const match = tokenIsGlob ? picomatch(target, { dot: true }) : (p: string) => p === literal;
  return (word, cmd) => {
    if (word.glob !== undefined) {
      return cmd.cwds.some((cwd) => {
        const g = picomatch(absoluteGlob(word.glob as string, cwd, home), { dot: true });
        if (tokenIsGlob) return g(target);
        return g(literal) || SAMPLE_CHILDREN.some((c) => g(posix.join(literal, c)));
      });
    }
    if (!word.known || word.value === '') return false;
    return cmd.cwds.some((cwd) => match(resolvePath(word.value, cwd, home)));
  };
}

function argumentTest(token: string, program: string, home: string): ArgumentTest {
  if (/^-[^-]/.test(token)) {
    const needed = [...token.slice(1)];
    const forms = LONG_FORMS[program] ?? {};
    return (s) =>
      needed.every(
        (l) =>
          s.letters.has(l) ||
          (forms[l] ?? []).some((f) => (f.startsWith('--') ? hasLong(s, f) : s.letters.has(f))),
      );
  }
  if (token.startsWith('--')) return (s) => hasLong(s, token);
  const eq = token.indexOf('=');
  if (eq > 0 && !token.startsWith('/') && !token.startsWith('~')) {
    const key = token.slice(0, eq + 1);
    const plain = token.slice(eq + 1);
    const inner = pathTest(plain, home);
    return (s, cmd) =>
      s.operands.some((w) => {
        if (!w.value.startsWith(key)) return false;
        const value: CommandWord = {
          ...w,
          value: w.value.slice(key.length),
          ...(w.glob ? { glob: w.glob.slice(key.length) } : {}),
        };
        return plain.startsWith('/') || plain.startsWith('~') ? inner(value, cmd) : value.value === plain;
      });
  }
  if (token.startsWith('/') || token.startsWith('~')) {
    const test = pathTest(token, home);
    return (s, cmd) => s.operands.some((w) => test(w, cmd));
  }
  const match = isGlob(token)
    ? picomatch(token, { dot: true })
    : (v: string) => stripZeros(v) === stripZeros(token);
  return (s) => s.operands.some((w) => (w.glob ? picomatch(w.glob)(token) : w.known && match(w.value)));
}

/** Compiles one `blocked_commands` pattern; `~` in it means `home`. */
export function compileBlockedPattern(source: string, home: string): BlockedPattern {
  const [programToken = '', ...rest] = source.trim().split(/\s+/);
  const byPath = programToken.includes('/');
  const program = byPath ? programToken : programToken.toLowerCase();
  const tests = rest.map((t) => argumentTest(t, baseName(program).toLowerCase(), home));
  const programPath = byPath ? posix.resolve(expandHome(program, home)) : program;
  const programIsGlob = isGlob(program);
  const matchProgram = programIsGlob
    ? picomatch(programPath, { dot: true, nocase: !byPath })
    : (v: string) => v === program;
  return {
    source,
    namesProgram(path) {
      if (tests.length > 0) return false;
      return byPath
        ? programIsGlob
          ? matchProgram(path)
          : path === programPath
        : matchProgram(baseName(path).toLowerCase());
    },
    matches(cmd) {
      const first = cmd.words[0];
      if (first === undefined) return false;
      let programHit: boolean;
      if (first.glob !== undefined) {
        // An unquoted glob as the program: blocked if it can expand to the blocked name.
        const g = byPath ? first.glob : baseName(first.glob);
        programHit = picomatch(g, { dot: true, nocase: !byPath })(programPath);
      } else if (!first.known && first.pattern !== undefined && !byPath) {
        // `${X}do`: blocked if the unknown parts could make it a blocked name. A word that is
        // unknown throughout (`$(echo sudo)`) says nothing and stays merely unresolved.
        const g = baseName(first.pattern);
        programHit = /[^*]/.test(g) && picomatch(g, { dot: true, nocase: true })(programPath);
      } else if (byPath) {
        programHit = cmd.resolvedPaths.some((p) => (programIsGlob ? matchProgram(p) : p === programPath));
      } else {
        programHit = matchProgram(cmd.basename);
      }
      if (!programHit) return false;
      if (tests.length === 0) return true;
      const s = shape(cmd.words.slice(1));
      return tests.every((t) => t(s, cmd));
    },
  };
}
