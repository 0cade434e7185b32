import type { CommandContext, Cwds } from './context.js';
import { parseArgs } from './getopt.js';
import type { Handler } from './handler.js';
import type { CommandWord } from './types.js';
import { excerpt } from './words.js';

/**
 * Shells and `eval`: a literal command string is parsed and judged like the outer command
 * (so `bash -c "sudo ls"` is `sudo ls`); a non-literal one, a script or a program read from
 * stdin cannot be judged and makes the command unresolved.
 */

const POSIX_SHELLS = new Set([
  'bash',
  'sh',
  'zsh',
  'dash',
  'ksh',
  'mksh',
  'ash',
  'yash',
  'posh',
  'rbash',
  'busybox sh',
]);
const OTHER_SHELLS = new Set(['fish', 'csh', 'tcsh', 'nu', 'elvish', 'xonsh', 'pwsh', 'powershell']);
const INFO_ONLY = /^(--version|--help|-h|-V|-v|--usage)$/;

function shell(ctx: CommandContext): Cwds | undefined {
  const args = ctx.args;
  let commandMode = false;
  let i = 0;
  for (; i < args.length; i++) {
    const text = (args[i] as CommandWord).value;
    if (text === '--' || text === '-') {
      i++;
      break;
    }
    if (/^[-+][oO]$/.test(text) || text === '--rcfile' || text === '--init-file') {
      if (text.startsWith('--')) ctx.runsCode(`${ctx.name} ${text} runs a startup file`);
      i++;
      continue;
    }
    if (/^(-[A-Za-z]+|\+[A-Za-z]+|--[a-z-]+)$/.test(text)) {
      if (/^-[A-Za-z]*c/.test(text) || text.toLowerCase() === '-command') commandMode = true;
      continue;
    }
    break;
  }
  const first = args[i];
  const foreign = OTHER_SHELLS.has(ctx.name);
  ctx.runsCode(`${ctx.name} runs shell code`);
  if (commandMode) {
    if (first === undefined) return undefined;
    if (foreign) ctx.unresolved(`${ctx.name} syntax is not bash: its command string is read as bash`);
    if (!first.literal) ctx.unresolved(`${ctx.name} -c runs a non-literal string ${excerpt(first.value)}`);
    if (first.known) ctx.shell(first.value, `${ctx.name} -c`);
    return undefined;
  }
  if (first !== undefined) {
    ctx.unresolved(`${ctx.name} runs a script ${excerpt(first.value)}`);
    ctx.file('read', first);
    return undefined;
  }
  if (args.length > 0 && args.every((w) => INFO_ONLY.test(w.value))) return undefined;
  ctx.unresolved(`${ctx.name} reads its program from stdin`);
  if (ctx.stdin !== undefined) ctx.shell(ctx.stdin, `${ctx.name} <stdin>`);
  return undefined;
}

/** `busybox APPLET args...` runs the applet. */
function busybox(ctx: CommandContext): Cwds | undefined {
  const [applet] = ctx.args;
  if (applet === undefined || applet.value.startsWith('-')) return undefined;
  return ctx.run(ctx.args, 'busybox', ctx.cwds, ctx.stdin);
}

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

/** `eval ARGS`: joined and read as shell code; unresolved because the text is built at run time. */
function evalBuiltin(ctx: CommandContext): Cwds | undefined {
  ctx.unresolved('eval runs a string as shell code');
  ctx.runsCode('eval runs a string as shell code');
  const args = ctx.args;
  if (args.length > 0 && args.every((w) => w.known)) ctx.shell(args.map((w) => w.value).join(' '), 'eval');
  return undefined;
}

function source(ctx: CommandContext): Cwds | undefined {
  ctx.unresolved(`${ctx.name} runs a script in the current shell`);
  ctx.runsCode(`${ctx.name} runs a script in the current shell`);
  ctx.file('read', ctx.args[0]);
  return undefined;
}

/** `cd`/`pushd`: the only commands that change where later relative paths point. */
function cd(ctx: CommandContext): Cwds | undefined {
  const parsed = parseArgs(ctx.args, {});
  const target = parsed.operands[0];
  if (target === undefined) return [ctx.host.home];
  if (target.value === '-' || /^[+-]\d+$/.test(target.value)) {
    ctx.unresolved(`${ctx.name} ${target.value} goes to a directory from the shell's history`);
    return undefined;
  }
  return ctx.chdir(target);
}

function trap(ctx: CommandContext): Cwds | undefined {
  const [action] = ctx.args;
  if (action === undefined || action.value.startsWith('-')) return undefined;
  ctx.unresolved('trap runs a command later, on a signal');
  if (action.known) ctx.shell(action.value, 'trap');
  return undefined;
}

function changesResolution(
  reason: string,
  when: (args: readonly CommandWord[]) => boolean = () => true,
): Handler {
  return (ctx) => {
    if (when(ctx.args)) ctx.unresolved(`${ctx.name} ${reason}`);
    return undefined;
  };
}

/** Handlers for shells, interpreters and shell builtins that run or redirect code. */
export const SHELL_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ...[...POSIX_SHELLS, ...OTHER_SHELLS].map((n) => [n, shell] as [string, Handler]),
  ...Object.keys(INTERPRETERS).map((n) => [n, interpreter] as [string, Handler]),
  ['busybox', busybox],
  ['awk', awk],
  ['gawk', awk],
  ['mawk', awk],
  ['nawk', awk],
  ['eval', evalBuiltin],
  ['source', source],
  ['.', source],
  ['cd', cd],
  ['pushd', cd],
  ['popd', changesResolution('returns to a directory from the shell stack')],
  ['trap', trap],
  [
    'alias',
    changesResolution('changes what a command name runs', (a) => a.some((w) => w.value.includes('='))),
  ],
  [
    'hash',
    changesResolution('changes what a command name runs', (a) => a.some((w) => w.value.startsWith('-p'))),
  ],
  ['enable', changesResolution('changes which builtins exist')],
  [
    'shopt',
    changesResolution('changes how the shell expands words', (a) => a.some((w) => /^-[su]/.test(w.value))),
  ],
]);

/** The interpreter handler for names with a version suffix (python3.12, perl5.36). */
export function versionedInterpreter(name: string): Handler | undefined {
  return interpreterSpec(name) !== undefined ? interpreter : undefined;
}
