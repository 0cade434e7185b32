import type { CommandContext, Cwds } from './context.js';
import { RECURSIVE } from './file-commands.js';
import { hasOption, optionValues, parseArgs } from './getopt.js';
import type { Handler } from './handler.js';

/**
 * tar, zip and unzip: creating reads the members (recursively); extracting writes names
 * that come from the archive, so it is unresolved (an archive may hold `.git/hooks/...`).
 */

/** `tar`: c/r/u write the archive and read the members, x writes below the target directory. */
function tar(ctx: CommandContext): Cwds | undefined {
  const args = [...ctx.args];
  // `tar xzf a.tgz`: the first word may be an option cluster without its dash.
  const first = args[0];
  if (first?.literal && /^[A-Za-z]+$/.test(first.value)) args[0] = { ...first, value: `-${first.value}` };
  const p = parseArgs(args, {
    short: 'fCTXbgHKNVI',
    long: [
      'file',
      'directory',
      'files-from',
      'exclude-from',
      'use-compress-program',
      'to-command',
      'info-script',
      'new-volume-script',
      'rsh-command',
      'format',
      'exclude',
    ],
  });
  for (const o of ['use-compress-program', 'to-command', 'info-script', 'new-volume-script', 'rsh-command']) {
    if (hasOption(p, undefined, o)) ctx.unresolved(`tar --${o} runs a command`);
  }
  if (hasOption(p, 'I') || hasOption(p, 'F')) ctx.unresolved('tar runs a command given in its options');
  if (
    p.options.some(
      (o) => o.long && o.name.startsWith('checkpoint-action') && o.value?.value.startsWith('exec'),
    )
  ) {
    ctx.unresolved('tar --checkpoint-action=exec runs a command');
  }
  const archive = optionValues(p, 'f', 'file')[0];
  const dir = optionValues(p, 'C', 'directory')[0];
  const cwds = dir ? (ctx.paths(dir).length > 0 ? ctx.paths(dir) : ctx.cwds) : ctx.cwds;
  for (const f of optionValues(p, 'T', 'files-from')) ctx.file('read', f);
  const extract = hasOption(p, 'x', 'extract') || hasOption(p, undefined, 'get');
  const create = ['c', 'r', 'u', 'A'].some((l) => hasOption(p, l)) || hasOption(p, undefined, 'create');
  if (archive && archive.value !== '-') ctx.file(create ? 'write' : 'read', archive);
  if (create) for (const m of p.operands) ctx.file('read', m, { recursive: true, cwds });
  if (extract)
    for (const c of cwds) ctx.unknownBelow(c, 'tar extracts files whose names are inside the archive');
  return undefined;
}

function zip(ctx: CommandContext): Cwds | undefined {
  if (ctx.args.some((w) => w.value === '-TT' || w.value.startsWith('--unzip-command'))) {
    ctx.unresolved('zip -TT runs a command to test the archive');
  }
  const p = parseArgs(ctx.args, { short: 'bdinPtx', long: ['temp-path', 'password', 'unzip-command'] });
  const [archive, ...members] = p.operands;
  ctx.file('write', archive);
  for (const m of members) ctx.file('read', m, { recursive: RECURSIVE(p) });
  return undefined;
}

function unzip(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: 'dxP' });
  ctx.file('read', p.operands[0]);
  if (hasOption(p, 'l') || hasOption(p, 'v') || hasOption(p, 't') || hasOption(p, 'p')) return undefined;
  const dir = optionValues(p, 'd')[0];
  const reason = 'unzip extracts files whose names are inside the archive';
  if (dir) ctx.unknownBelow(dir, reason);
  else for (const c of ctx.cwds) ctx.unknownBelow(c, reason);
  return undefined;
}

/** Handlers for archive commands. */
export const ARCHIVE_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['tar', tar],
  ['zip', zip],
  ['unzip', unzip],
]);
