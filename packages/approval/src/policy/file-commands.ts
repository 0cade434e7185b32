import { posix } from 'node:path';
import type { CommandContext, Cwds } from './context.js';
import { hasOption, type OptionSpec, optionValues, type ParsedArgs, parseArgs } from './getopt.js';
import type { Handler } from './handler.js';
import { expandHome } from './paths.js';
import { sedEffects } from './sed-script.js';
import type { CommandWord } from './types.js';
import { excerpt } from './words.js';

/**
 * Known file commands mapped to file actions, so `rm x` is judged as a delete of x and
 * `cp a /etc/b` as a write of /etc/b. Options that take a value are listed per program so
 * that their values are never read as file names.
 */

/** -r, -R or --recursive. */
export const RECURSIVE = (p: ParsedArgs) => hasOption(p, 'r', 'recursive') || hasOption(p, 'R');

function rm(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args);
  const recursive = RECURSIVE(p);
  for (const w of p.operands) ctx.file('delete', w, { recursive });
  return undefined;
}

function rmdir(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args);
  const parents = hasOption(p, 'p', 'parents');
  for (const w of p.operands) {
    ctx.file('delete', w);
    if (!parents || !w.known) continue;
    // `rmdir -p a/b/c` also removes a/b and a.
    let dir = posix.dirname(w.value);
    while (dir !== '.' && dir !== '/' && dir !== w.value) {
      ctx.file('delete', { ...w, value: dir });
      dir = posix.dirname(dir);
    }
  }
  return undefined;
}

function unlink(ctx: CommandContext): Cwds | undefined {
  for (const w of parseArgs(ctx.args).operands) ctx.file('delete', w);
  return undefined;
}

function shred(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: 'ns', long: ['iterations', 'size', 'random-source'] });
  const remove = hasOption(p, 'u', 'remove');
  for (const w of p.operands) {
    ctx.file('write', w);
    if (remove) ctx.file('delete', w);
  }
  return undefined;
}

/** cp, mv, install, ln: sources, then a destination file or directory (or `-t DIR`). */
function copyLike(kind: 'cp' | 'mv' | 'install' | 'ln'): Handler {
  const spec: OptionSpec = {
    short: kind === 'install' ? 'mogSt' : 'St',
    long: ['suffix', 'target-directory', 'no-preserve', 'sparse', 'mode', 'owner', 'group', 'strip-program'],
  };
  return (ctx) => {
    const p = parseArgs(ctx.args, spec);
    if (kind === 'install' && hasOption(p, 'd', 'directory')) {
      for (const w of p.operands) ctx.file('write', w);
      return undefined;
    }
    const targetDir = optionValues(p, 't', 'target-directory')[0];
    const noTargetDir = hasOption(p, 'T', 'no-target-directory');
    let sources = p.operands;
    let dest = targetDir;
    if (dest === undefined) {
      if (kind === 'ln' && sources.length === 1) {
        dest = { value: '.', literal: true, known: true };
      } else {
        dest = sources[sources.length - 1];
        sources = sources.slice(0, -1);
      }
    }
    if (dest === undefined || sources.length === 0) return undefined;
    const recursive = kind === 'mv' || RECURSIVE(p) || hasOption(p, 'a', 'archive');
    for (const src of sources) {
      if (kind === 'ln') linkTarget(ctx, src, dest, hasOption(p, 's', 'symbolic'), noTargetDir);
      else ctx.file('read', src, { recursive });
      if (kind === 'mv') ctx.file('delete', src);
    }
    if (targetDir === undefined) ctx.file('write', dest);
    if (!noTargetDir) for (const src of sources) ctx.intoDirectory('write', dest, src);
    return undefined;
  };
}

// A link gives later commands a second name for its target, so creating one counts as a
// read of the target: `ln -s ~/.ssh/id_rsa k && cat k` is judged on ~/.ssh/id_rsa. A
// symbolic link's relative target is relative to the link's directory, not the cwd.
function linkTarget(
  ctx: CommandContext,
  target: CommandWord,
  link: CommandWord,
  symbolic: boolean,
  linkIsFile: boolean,
) {
  if (!symbolic || target.value.startsWith('/') || target.value.startsWith('~')) {
    ctx.file('read', target);
    return;
  }
  const linkPaths = ctx.paths(link);
  const dirs = linkPaths.map((l) => (linkIsFile || !link.value.endsWith('/') ? posix.dirname(l) : l));
  ctx.file('read', target, { cwds: [...new Set([...dirs, ...linkPaths, ...ctx.cwds])] });
}

/** Commands whose operands are all written (created, truncated, changed). */
function writesOperands(
  spec: OptionSpec,
  skipFirst = false,
  refs: readonly [string, string][] = [],
): Handler {
  return (ctx) => {
    const p = parseArgs(ctx.args, spec);
    for (const [letter, long] of refs) for (const w of optionValues(p, letter, long)) ctx.file('read', w);
    const usesReference = refs.some(([l, long]) => optionValues(p, l, long).length > 0);
    const targets = skipFirst && !usesReference ? p.operands.slice(1) : p.operands;
    const recursive = RECURSIVE(p);
    for (const w of targets) ctx.file('write', w, { recursive });
    return undefined;
  };
}

function tee(ctx: CommandContext): Cwds | undefined {
  for (const w of parseArgs(ctx.args).operands) ctx.file('write', w);
  return undefined;
}

function dd(ctx: CommandContext): Cwds | undefined {
  for (const w of ctx.args) {
    if (w.value.startsWith('if='))
      ctx.file('read', { ...w, value: expandHome(w.value.slice(3), ctx.host.home) });
    if (w.value.startsWith('of='))
      ctx.file('write', { ...w, value: expandHome(w.value.slice(3), ctx.host.home) });
  }
  return undefined;
}

function sed(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: 'efl', long: ['expression', 'file', 'line-length'] });
  const scripts = optionValues(p, 'e', 'expression');
  const scriptFiles = optionValues(p, 'f', 'file');
  let files = p.operands;
  if (scripts.length === 0 && scriptFiles.length === 0) {
    if (files[0] !== undefined) scripts.push(files[0]);
    files = files.slice(1);
  }
  for (const f of scriptFiles) {
    ctx.file('read', f);
    ctx.unresolved(`sed runs a script file ${excerpt(f.value)}`);
  }
  for (const s of scripts) {
    if (!s.known) continue;
    const effects = sedEffects(s.value);
    if (!effects.understood) ctx.unresolved(`sed script not understood ${excerpt(s.value)}`);
    if (effects.executes) {
      ctx.unresolved('sed script runs a shell command (e)');
      ctx.runsCode('sed script runs a shell command (e)');
    }
    for (const w of effects.writes) ctx.file('write', { value: w, literal: true, known: true });
    for (const r of effects.reads) ctx.file('read', { value: r, literal: true, known: true });
  }
  const inPlace = hasOption(p, 'i', 'in-place');
  for (const f of files) {
    ctx.file('read', f);
    if (inPlace) ctx.file('write', f);
  }
  return undefined;
}

/** Handlers for file commands, keyed by lower-cased program basename. */
export const FILE_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['rm', rm],
  ['rmdir', rmdir],
  ['unlink', unlink],
  ['shred', shred],
  ['cp', copyLike('cp')],
  ['mv', copyLike('mv')],
  ['install', copyLike('install')],
  ['ln', copyLike('ln')],
  ['tee', tee],
  [
    'touch',
    writesOperands({ short: 'rdt', long: ['reference', 'date', 'time'] }, false, [['r', 'reference']]),
  ],
  ['mkdir', writesOperands({ short: 'm', long: ['mode', 'context'] })],
  ['mkfifo', writesOperands({ short: 'm', long: ['mode', 'context'] })],
  ['truncate', writesOperands({ short: 'sr', long: ['size', 'reference'] }, false, [['r', 'reference']])],
  ['chmod', writesOperands({ long: ['reference'] }, true, [['', 'reference']])],
  ['chown', writesOperands({ long: ['reference', 'from'] }, true, [['', 'reference']])],
  ['chgrp', writesOperands({ long: ['reference'] }, true, [['', 'reference']])],
  ['dd', dd],
  ['sed', sed],
]);
