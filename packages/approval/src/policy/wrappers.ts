import type { CommandContext, Cwds } from './context.js';
import { isCodeVariable } from './environment.js';
import { hasOption, type OptionSpec, optionValues, parseArgs } from './getopt.js';
import type { Handler } from './handler.js';
import type { CommandWord } from './types.js';

/**
 * Programs that run another program given in their arguments. The wrapped command is read
 * like any other (so `nice -n 5 sudo ls` is judged as `sudo ls`); the wrapper itself is noted
 * as running code chosen by its arguments, and the ones that detach from the session are
 * unresolved.
 */
interface WrapperSpec {
  readonly options: OptionSpec;
  /** Operands before the wrapped command (`timeout DURATION`, `taskset MASK`). */
  readonly skip?: number;
  /** Set when the wrapper makes the command outlive or escape the session. */
  readonly detaches?: string;
  /** True when the given options mean no command is run (`command -v`, `ionice -p`). */
  readonly noCommand?: (parsed: ReturnType<typeof parseArgs>) => boolean;
}

const SPECS: Readonly<Record<string, WrapperSpec>> = {
  nice: { options: { short: 'n', long: ['adjustment'], stopAtOperand: true } },
  nohup: { options: { stopAtOperand: true }, detaches: 'nohup keeps the command running after the session' },
  timeout: { options: { short: 'sk', long: ['signal', 'kill-after'], stopAtOperand: true }, skip: 1 },
  command: {
    options: { stopAtOperand: true },
    noCommand: (p) => hasOption(p, 'v') || hasOption(p, 'V'),
  },
  exec: { options: { short: 'a', stopAtOperand: true } },
  builtin: { options: { stopAtOperand: true } },
  time: { options: { short: 'of', long: ['output', 'format'], stopAtOperand: true } },
  stdbuf: { options: { short: 'ioe', long: ['input', 'output', 'error'], stopAtOperand: true } },
  ionice: {
    options: { short: 'cnpPu', long: ['class', 'classdata', 'pid', 'pgid', 'uid'], stopAtOperand: true },
    noCommand: (p) => ['p', 'P', 'u'].some((l) => hasOption(p, l)),
  },
  setsid: { options: { stopAtOperand: true }, detaches: 'setsid detaches the command from the session' },
  taskset: {
    options: { stopAtOperand: true },
    skip: 1,
    noCommand: (p) => hasOption(p, 'p', 'pid'),
  },
  chrt: { options: { short: 'T', stopAtOperand: true }, skip: 1, noCommand: (p) => hasOption(p, 'p', 'pid') },
  unbuffer: { options: { stopAtOperand: true } },
  catchsegv: { options: { stopAtOperand: true } },
  faketime: { options: { short: 'm', stopAtOperand: true }, skip: 1 },
  strace: {
    options: {
      short: 'abeEIoOpPsSuUX',
      long: ['output', 'attach', 'trace-path', 'user', 'env'],
      stopAtOperand: true,
    },
  },
  ltrace: { options: { short: 'aAeFlnoOpsSuwX', stopAtOperand: true } },
  valgrind: { options: { stopAtOperand: true } },
  proxychains: { options: { short: 'f', stopAtOperand: true } },
  proxychains4: { options: { short: 'f', stopAtOperand: true } },
  torsocks: { options: { short: 'aPu', stopAtOperand: true } },
  firejail: { options: { stopAtOperand: true } },
  coproc: { options: { stopAtOperand: true }, detaches: 'coproc runs the command in the background' },
  sudo: {
    options: {
      short: 'CDghpRrTUu',
      long: ['chdir', 'close-from', 'group', 'host', 'prompt', 'role', 'type', 'user'],
      stopAtOperand: true,
    },
  },
  doas: { options: { short: 'Cu', stopAtOperand: true } },
};

function wrapper(spec: WrapperSpec): Handler {
  return (ctx) => {
    const parsed = parseArgs(ctx.args, spec.options);
    if (spec.noCommand?.(parsed)) return undefined;
    const inner = ctx.args.slice(parsed.rest + (spec.skip ?? 0));
    if (spec.detaches) ctx.unresolved(spec.detaches);
    for (const out of optionValues(
      parsed,
      ctx.name === 'time' || ctx.name === 'strace' ? 'o' : undefined,
      'output',
    )) {
      ctx.file('write', out);
    }
    if (inner.length > 0) ctx.runsCode(`${ctx.name} runs the command in its arguments`);
    ctx.run(inner, ctx.name);
    return undefined;
  };
}

/** `env [-i] [-u NAME] [-C DIR] [-S STRING] [NAME=VALUE]... [COMMAND [ARG]...]` */
function env(ctx: CommandContext): Cwds | undefined {
  const args = ctx.args;
  let cwds: Cwds = ctx.cwds;
  let split: string | undefined;
  let i = 0;
  const optionValue = (word: CommandWord, prefixLength: number): CommandWord | undefined => {
    if (word.value.length > prefixLength) return { ...word, value: word.value.slice(prefixLength) };
    return args[++i];
  };
  for (; i < args.length; i++) {
    const word = args[i] as CommandWord;
    const text = word.value;
    if (text === '--') {
      i++;
      break;
    }
    if (
      text === '-' ||
      /^-[i0v]+$/.test(text) ||
      text === '--ignore-environment' ||
      text === '--null' ||
      text === '--debug'
    ) {
      continue;
    }
    if (text.startsWith('--unset')) {
      if (!text.includes('=')) i++;
      continue;
    }
    if (/^-[i0v]*u/.test(text)) {
      if (text.endsWith('u')) i++;
      continue;
    }
    if (text.startsWith('--chdir') || /^-[i0v]*C/.test(text)) {
      const at = text.startsWith('--') ? text.indexOf('=') + 1 || text.length : text.indexOf('C') + 1;
      const dir = optionValue(word, at);
      if (dir) cwds = ctx.chdir(dir, cwds) ?? cwds;
      continue;
    }
    if (text.startsWith('--split-string') || /^-[i0v]*S/.test(text)) {
      const at = text.startsWith('--') ? text.indexOf('=') + 1 || text.length : text.indexOf('S') + 1;
      const value = optionValue(word, at);
      ctx.unresolved('env -S splits a string into a command');
      if (value?.known) split = value.value;
      i++;
      break;
    }
    if (text.startsWith('--') && /^--(block|default|ignore)-signal/.test(text)) continue;
    if (text.startsWith('-')) continue;
    const eq = text.indexOf('=');
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(text.slice(0, eq))) {
      const name = text.slice(0, eq);
      if (isCodeVariable(name)) ctx.unresolved(`sets ${name}, which decides what code runs`);
      continue;
    }
    break;
  }
  const rest = args.slice(i);
  if (split !== undefined) {
    ctx.runsCode('env -S runs a command from a string');
    const tail = rest.map((w) => (w.literal ? shellQuote(w.value) : w.value)).join(' ');
    ctx.shell(tail ? `${split} ${tail}` : split, 'env -S', cwds);
    return undefined;
  }
  if (rest.length > 0) ctx.runsCode('env runs the command in its arguments');
  ctx.run(rest, 'env', cwds);
  return undefined;
}

/** `xargs [options] [command [initial-arguments]]`: the arguments it appends come from its input. */
function xargs(ctx: CommandContext): Cwds | undefined {
  const parsed = parseArgs(ctx.args, {
    short: 'aEILnPsd',
    long: ['arg-file', 'delimiter', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
    stopAtOperand: true,
  });
  for (const file of optionValues(parsed, 'a', 'arg-file')) ctx.file('read', file);
  ctx.unresolved('xargs appends arguments read from its input');
  ctx.runsCode('xargs runs the command in its arguments');
  const inner = ctx.args.slice(parsed.rest);
  ctx.run(inner.length > 0 ? inner : [{ value: 'echo', literal: true, known: true }], 'xargs');
  return undefined;
}

/** `watch [options] command...` runs its arguments joined as an `sh -c` string, repeatedly. */
function watch(ctx: CommandContext): Cwds | undefined {
  const parsed = parseArgs(ctx.args, {
    short: 'nqd',
    long: ['interval', 'differences', 'equexit'],
    stopAtOperand: true,
  });
  const inner = ctx.args.slice(parsed.rest);
  if (inner.length === 0) return undefined;
  ctx.runsCode('watch runs the command in its arguments');
  if (hasOption(parsed, 'x', 'exec')) {
    ctx.run(inner, 'watch');
  } else if (inner.every((w) => w.known)) {
    ctx.shell(inner.map((w) => w.value).join(' '), 'watch');
  }
  return undefined;
}

/** `flock [options] FILE (COMMAND... | -c STRING)`. */
function flock(ctx: CommandContext): Cwds | undefined {
  const parsed = parseArgs(ctx.args, {
    short: 'wEc',
    long: ['timeout', 'conflict-exit-code', 'command'],
    stopAtOperand: true,
  });
  const lock = ctx.args[parsed.rest];
  ctx.file('write', lock);
  const strings = optionValues(parsed, 'c', 'command');
  for (const s of strings) {
    ctx.runsCode('flock -c runs a shell string');
    if (s.known) ctx.shell(s.value, 'flock -c');
  }
  const inner = ctx.args.slice(parsed.rest + 1);
  if (inner.length > 0) ctx.runsCode('flock runs the command in its arguments');
  ctx.run(inner, 'flock');
  return undefined;
}

/** `script [options] [file]` runs `-c COMMAND` (or a shell) and records the session to a file. */
function script(ctx: CommandContext): Cwds | undefined {
  const parsed = parseArgs(ctx.args, {
    short: 'cEIOBTm',
    long: ['command', 'echo', 'log-in', 'log-out', 'log-io', 'log-timing', 'logging-format'],
  });
  ctx.runsCode('script runs a command or a shell');
  for (const c of optionValues(parsed, 'c', 'command')) if (c.known) ctx.shell(c.value, 'script -c');
  if (optionValues(parsed, 'c', 'command').length === 0) ctx.unresolved('script starts an interactive shell');
  ctx.file('write', parsed.operands[0] ?? { value: 'typescript', literal: true, known: true });
  return undefined;
}

/** Things that run a command later or outside the session, where nothing here can follow it. */
function detached(reason: string): Handler {
  return (ctx) => {
    ctx.unresolved(`${ctx.name} ${reason}`);
    ctx.runsCode(`${ctx.name} ${reason}`);
    return undefined;
  };
}

/** Quotes a literal word so that joining words into a shell string keeps it one word. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Handlers for wrappers, keyed by lower-cased program basename. */
export const WRAPPER_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ...Object.entries(SPECS).map(([name, spec]) => [name, wrapper(spec)] as [string, Handler]),
  ['env', env],
  ['xargs', xargs],
  ['watch', watch],
  ['flock', flock],
  ['script', script],
  ['at', detached('schedules commands to run later')],
  ['batch', detached('schedules commands to run later')],
  ['crontab', detached('installs commands to run on a schedule')],
  ['systemd-run', detached('runs a command as a separate service')],
  ['tmux', detached('can run commands in a detached terminal session')],
  ['screen', detached('can run commands in a detached terminal session')],
  ['disown', detached('detaches a background job from the session')],
  ['bg', detached('resumes a job in the background')],
  ['daemonize', detached('runs a command as a daemon')],
  ['start-stop-daemon', detached('runs a command as a daemon')],
]);
