import type { CommandContext, Cwds } from './context.js';
import { parseArgs } from './getopt.js';
import type { Handler } from './handler.js';
import { INFO_ONLY } from './shells.js';
import type { CommandWord } from './types.js';
import { excerpt } from './words.js';

/**
 * Language interpreters: whatever they run is code the parser cannot judge. Inline code
 * (`python -c`, `node -e`, `perl -e`, awk programs), a module loaded by name (`python -m`),
 * a script file, or a program read from stdin all make the command unresolved; only
 * `--version`-style invocations are plain.
 */

interface InterpreterSpec {
  /** Options whose value is program text (`-c`, `-e`, `--eval`). */
  readonly inline: readonly string[];
  /** Options that load code by name (`-m module`, `-r lib`). */
  readonly load?: readonly string[];
  /** Options that take a (non-code) value, so the value is not mistaken for a script. */
  readonly valued?: readonly string[];
  /** Subcommands that take inline code (`deno eval`) or run a script (`bun run`). */
  readonly subcommands?: Readonly<Record<string, 'inline' | 'script'>>;
}

const PYTHON: InterpreterSpec = {
  inline: ['-c'],
  load: ['-m'],
  valued: ['-W', '-X', '-Q', '--check-hash-based-pycs'],
};
const NODE: InterpreterSpec = {
  inline: ['-e', '--eval', '-p', '--print'],
  load: ['-r', '--require', '--import', '--loader', '--experimental-loader'],
  valued: ['--input-type', '--env-file', '-C', '--conditions', '--stack-size', '--max-old-space-size'],
};

const INTERPRETERS: Readonly<Record<string, InterpreterSpec>> = {
  python: PYTHON,
  python2: PYTHON,
  python3: PYTHON,
  pypy: PYTHON,
  pypy3: PYTHON,
  node: NODE,
  nodejs: NODE,
  tsx: NODE,
  'ts-node': NODE,
  bun: {
    inline: ['-e', '--eval', '-p', '--print'],
    subcommands: { run: 'script', x: 'script', exec: 'inline' },
  },
  deno: {
    inline: [],
    subcommands: { eval: 'inline', run: 'script', task: 'script', repl: 'inline', x: 'script' },
  },
  perl: { inline: ['-e', '-E'], load: ['-M', '-m'], valued: ['-I', '-x'] },
  ruby: { inline: ['-e'], load: ['-r'], valued: ['-I', '-C'] },
  php: { inline: ['-r', '-B', '-R', '-E', '-F'], valued: ['-c', '-d', '-z'] },
  lua: { inline: ['-e'], load: ['-l'] },
  luajit: { inline: ['-e'], load: ['-l', '-j'] },
  rscript: { inline: ['-e'] },
  r: { inline: ['-e'] },
  julia: { inline: ['-e', '-E', '--eval', '--print'], load: ['-L', '--load'] },
  tclsh: { inline: [] },
  wish: { inline: [] },
  expect: { inline: ['-c'] },
  osascript: { inline: ['-e'] },
  groovy: { inline: ['-e'] },
  elixir: { inline: ['-e', '--eval'], load: ['-r'] },
  erl: { inline: ['-eval', '-s', '-run'] },
  guile: { inline: ['-c', '-e'], load: ['-l'] },
  racket: { inline: ['-e'], load: ['-l', '-t', '-r'] },
  sbcl: { inline: ['--eval'], load: ['--load', '--script'] },
  java: { inline: [], valued: ['-cp', '-classpath', '--class-path', '-p', '--module-path'] },
  jshell: { inline: [] },
  gjs: { inline: ['-c', '--command'] },
  qjs: { inline: ['-e', '--eval'] },
};

function isPython(name: string): boolean {
  return /^python[0-9.]*$/.test(name) || /^pypy[0-9.]*$/.test(name);
}

function interpreterSpec(name: string): InterpreterSpec | undefined {
  if (isPython(name)) return PYTHON;
  if (/^(node|ruby|perl|php|lua)[0-9.]+$/.test(name)) return INTERPRETERS[name.replace(/[0-9.]+$/, '')];
  return INTERPRETERS[name];
}

/** Interpreters: inline code, a module or a script makes the command unresolved. */
function interpreter(ctx: CommandContext): Cwds | undefined {
  const spec = interpreterSpec(ctx.name);
  if (spec === undefined) return undefined;
  const args = ctx.args;
  ctx.runsCode(`${ctx.name} runs program code`);
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as CommandWord;
    const text = word.value;
    const inline = spec.inline.find(
      (o) => text === o || (o.length === 2 && text.startsWith(o) && !o.startsWith('--')),
    );
    if (inline !== undefined || spec.inline.some((o) => o.startsWith('--') && text.startsWith(`${o}=`))) {
      ctx.unresolved(`${ctx.name} ${inline ?? text.split('=')[0]} runs inline code`);
      return undefined;
    }
    if (spec.load?.some((o) => text === o || text.startsWith(o))) {
      ctx.unresolved(`${ctx.name} ${text} loads and runs code by name`);
      return undefined;
    }
    if (spec.valued?.includes(text)) {
      i++;
      continue;
    }
    if (text.startsWith('-') && text !== '-') continue;
    const sub = spec.subcommands?.[text];
    if (sub === 'inline') {
      ctx.unresolved(`${ctx.name} ${text} runs inline code`);
      return undefined;
    }
    if (sub === 'script') {
      ctx.unresolved(`${ctx.name} ${text} runs a script`);
      ctx.file('read', args[i + 1]);
      return undefined;
    }
    if (text === '-') break;
    ctx.unresolved(`${ctx.name} runs a script ${excerpt(text)}`);
    ctx.file('read', word);
    return undefined;
  }
  if (args.length > 0 && args.every((w) => INFO_ONLY.test(w.value))) return undefined;
  ctx.unresolved(`${ctx.name} reads its program from stdin`);
  return undefined;
}

/** awk and friends: the program can call system() and write files, so it is never resolved. */
function awk(ctx: CommandContext): Cwds | undefined {
  const parsed = parseArgs(ctx.args, {
    short: 'Ffv',
    long: ['field-separator', 'file', 'assign', 'include', 'load'],
  });
  if (ctx.args.length > 0 && ctx.args.every((w) => INFO_ONLY.test(w.value))) return undefined;
  ctx.runsCode(`${ctx.name} runs an awk program`);
  const fromFile = parsed.options.filter((o) => o.name === 'f' || o.name === 'file' || o.name === 'include');
  for (const o of fromFile) ctx.file('read', o.value);
  ctx.unresolved(
    fromFile.length > 0 ? `${ctx.name} runs a program file` : `${ctx.name} runs an inline program`,
  );
  const files = fromFile.length > 0 ? parsed.operands : parsed.operands.slice(1);
  for (const f of files) if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(f.value)) ctx.file('read', f);
  return undefined;
}

/** Handlers for interpreters and awk. */
export const INTERPRETER_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ...Object.keys(INTERPRETERS).map((n) => [n, interpreter] as [string, Handler]),
  ['awk', awk],
  ['gawk', awk],
  ['mawk', awk],
  ['nawk', awk],
]);

/** The interpreter handler for names with a version suffix (python3.12, perl5.36). */
export function versionedInterpreter(name: string): Handler | undefined {
  return interpreterSpec(name) !== undefined ? interpreter : undefined;
}
