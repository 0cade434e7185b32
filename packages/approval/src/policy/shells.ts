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
/** Arguments that only print information, running nothing. */
export const INFO_ONLY = /^(--version|--help|-h|-V|-v|--usage)$/;

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

/** `alias name='text'`: the text runs later under that name; it is read as shell code now. */
function alias(ctx: CommandContext): Cwds | undefined {
  for (const w of ctx.args) {
    const eq = w.value.indexOf('=');
    if (eq <= 0) continue;
    ctx.unresolved('alias changes what a command name runs');
    if (w.known) ctx.shell(w.value.slice(eq + 1), 'alias');
  }
  return undefined;
}

// Editors run their own command language, which can start shell commands (`:!cmd`).
const EDITOR_COMMAND_OPTIONS: Readonly<Record<string, RegExp>> = {
  vim: /^(-c|--cmd|-S|-s|-w|-W|\+.*)$/,
  emacs: /^(--eval|-l|--load|-f|--funcall|--batch|-batch|--script|-x|--execute)(=.*)?$/,
  ed: /./,
};

function editor(kind: 'vim' | 'emacs' | 'ed'): Handler {
  return (ctx) => {
    ctx.runsCode(`${ctx.name} can run shell commands from its command language`);
    const pattern = EDITOR_COMMAND_OPTIONS[kind] as RegExp;
    if (kind === 'ed' || ctx.args.some((w) => pattern.test(w.value))) {
      ctx.unresolved(
        kind === 'ed'
          ? `${ctx.name} runs editing commands read from stdin`
          : `${ctx.name} runs editor commands given on the command line`,
      );
    }
    return undefined;
  };
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
  ['busybox', busybox],
  ['eval', evalBuiltin],
  ['source', source],
  ['.', source],
  ['cd', cd],
  ['pushd', cd],
  ['popd', changesResolution('returns to a directory from the shell stack')],
  ['trap', trap],
  ['alias', alias],
  ...['vim', 'vi', 'nvim', 'view', 'gvim', 'vimdiff', 'ex'].map(
    (n) => [n, editor('vim')] as [string, Handler],
  ),
  ...['emacs', 'emacsclient'].map((n) => [n, editor('emacs')] as [string, Handler]),
  ['ed', editor('ed')],
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
