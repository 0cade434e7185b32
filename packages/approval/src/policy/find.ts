import type { CommandContext, Cwds } from './context.js';
import type { CommandWord } from './types.js';

/**
 * `find`: starting points are read (listed), `-delete` deletes below them, `-fprint*` write,
 * and every `-exec`/`-execdir`/`-ok`/`-okdir` command is read as a command of its own.
 * When that command takes the found paths (`{}`), its arguments are unknown: unresolved.
 */

// Tests and actions that take one argument, so that argument is never read as a test.
const ONE_ARGUMENT = new Set([
  '-name',
  '-iname',
  '-path',
  '-ipath',
  '-wholename',
  '-iwholename',
  '-regex',
  '-iregex',
  '-lname',
  '-ilname',
  '-type',
  '-xtype',
  '-perm',
  '-user',
  '-group',
  '-uid',
  '-gid',
  '-size',
  '-links',
  '-inum',
  '-mtime',
  '-mmin',
  '-atime',
  '-amin',
  '-ctime',
  '-cmin',
  '-used',
  '-maxdepth',
  '-mindepth',
  '-fstype',
  '-context',
  '-printf',
  '-newer',
  '-anewer',
  '-cnewer',
  '-samefile',
  '-regextype',
  '-files0-from',
]);
const READS_FILE = new Set(['-newer', '-anewer', '-cnewer', '-samefile', '-files0-from']);
const EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

export function find(ctx: CommandContext): Cwds | undefined {
  const args = ctx.args;
  let i = 0;
  while (i < args.length && /^-[HLP]$|^-O\d$/.test((args[i] as CommandWord).value)) i++;
  if (args[i]?.value === '-D') i += 2;
  const roots: CommandWord[] = [];
  for (; i < args.length; i++) {
    const v = (args[i] as CommandWord).value;
    if (v.startsWith('-') || v === '(' || v === '!' || v === ',') break;
    roots.push(args[i] as CommandWord);
  }
  if (roots.length === 0) roots.push({ value: '.', literal: true, known: true });
  for (const r of roots) ctx.file('read', r);
  for (; i < args.length; i++) {
    const v = (args[i] as CommandWord).value;
    if (EXEC.has(v)) {
      const start = i + 1;
      let end = start;
      while (
        end < args.length &&
        args[end]?.value !== ';' &&
        !(args[end]?.value === '+' && args[end - 1]?.value === '{}')
      )
        end++;
      const inner = args.slice(start, end);
      if (end >= args.length) ctx.unresolved(`find ${v} is not terminated`);
      ctx.runsCode(`find ${v} runs a command for each file found`);
      if (inner.some((w) => w.value.includes('{}')))
        ctx.unresolved(`find ${v} passes the paths it finds to the command`);
      ctx.run(inner, `find ${v}`);
      i = end;
    } else if (v === '-delete') {
      for (const r of roots) ctx.file('delete', r, { recursive: true });
    } else if (v === '-fprint' || v === '-fprint0' || v === '-fls' || v === '-fprintf') {
      ctx.file('write', args[i + 1]);
      i += v === '-fprintf' ? 2 : 1;
    } else if (ONE_ARGUMENT.has(v)) {
      if (READS_FILE.has(v)) ctx.file('read', args[i + 1]);
      i++;
    } else if (/^-newer[amcBt][amcBt]$/.test(v)) {
      i++;
    }
  }
  return undefined;
}
