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

const RECURSIVE = (p: ParsedArgs) => hasOption(p, 'r', 'recursive') || hasOption(p, 'R');

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

interface ReaderSpec {
  readonly options?: OptionSpec;
  /** Leading operands that are not files (a grep pattern, a jq filter), unless given by option. */
  readonly leading?: number;
  /** Options that supply the leading operand instead (`grep -e PAT`). */
  readonly leadingBy?: readonly [string, string][];
  /** Lists the cwd when given no operand (ls, du, find). */
  readonly defaultDot?: boolean;
  /** Reads directories recursively by default (rg) or with -r/-R (grep). */
  readonly recursive?: 'always' | 'flag';
  /** Options whose value is a file written (`sort -o`). */
  readonly writes?: readonly [string, string][];
  /** Options whose value is a file read (`grep -f`). */
  readonly reads?: readonly [string, string][];
}

function reader(spec: ReaderSpec): Handler {
  return (ctx) => {
    const p = parseArgs(ctx.args, spec.options ?? {});
    for (const [l, long] of spec.writes ?? []) for (const w of optionValues(p, l, long)) ctx.file('write', w);
    for (const [l, long] of spec.reads ?? []) for (const w of optionValues(p, l, long)) ctx.file('read', w);
    const supplied = (spec.leadingBy ?? []).some(([l, long]) => optionValues(p, l, long).length > 0);
    let files = p.operands.slice(supplied ? 0 : (spec.leading ?? 0));
    if (
      files.length === 0 &&
      (spec.defaultDot || (spec.recursive && RECURSIVE(p)) || spec.recursive === 'always')
    ) {
      files = [{ value: '.', literal: true, known: true }];
    }
    const recursive = spec.recursive === 'always' || (spec.recursive === 'flag' && RECURSIVE(p));
    for (const f of files) if (f.value !== '-') ctx.file('read', f, { recursive });
    return undefined;
  };
}

const GREP: ReaderSpec = {
  options: {
    short: 'efmABCdD',
    long: [
      'regexp',
      'file',
      'max-count',
      'after-context',
      'before-context',
      'context',
      'directories',
      'devices',
      'label',
      'include',
      'exclude',
      'exclude-from',
      'exclude-dir',
      'binary-files',
    ],
  },
  leading: 1,
  leadingBy: [
    ['e', 'regexp'],
    ['f', 'file'],
  ],
  recursive: 'flag',
  reads: [
    ['f', 'file'],
    ['', 'exclude-from'],
  ],
};

const READERS: Readonly<Record<string, ReaderSpec>> = {
  cat: { options: {} },
  tac: { options: { short: 's', long: ['separator'] } },
  nl: { options: { short: 'bdfhilnsvw' } },
  head: { options: { short: 'nc', long: ['lines', 'bytes'] } },
  tail: {
    options: { short: 'ncs', long: ['lines', 'bytes', 'pid', 'sleep-interval', 'max-unchanged-stats'] },
  },
  less: {
    options: { short: 'bhjkoOpPtTxyz#' },
    writes: [
      ['o', 'log-file'],
      ['O', 'LOG-FILE'],
    ],
  },
  more: { options: { short: 'n', long: ['lines'] } },
  wc: { options: { long: ['files0-from'] } },
  sort: {
    options: {
      short: 'kotST',
      long: [
        'key',
        'output',
        'field-separator',
        'temporary-directory',
        'buffer-size',
        'parallel',
        'files0-from',
        'random-source',
        'compress-program',
      ],
    },
    writes: [['o', 'output']],
  },
  uniq: { options: { short: 'fsw', long: ['skip-fields', 'skip-chars', 'check-chars'] } },
  diff: {
    options: {
      short: 'CDFILSUWxX',
      long: ['label', 'exclude-from', 'starting-file', 'ignore-matching-lines'],
    },
    recursive: 'flag',
  },
  cmp: { options: { short: 'in', long: ['ignore-initial', 'bytes'] } },
  comm: { options: { long: ['output-delimiter'] } },
  stat: { options: { short: 'c', long: ['format', 'printf'] } },
  file: {
    options: { short: 'emfFP', long: ['magic-file', 'files-from', 'separator', 'exclude', 'parameter'] },
  },
  ls: {
    options: {
      short: 'ITw',
      long: [
        'ignore',
        'hide',
        'tabsize',
        'width',
        'format',
        'sort',
        'time',
        'time-style',
        'indicator-style',
        'quoting-style',
        'block-size',
      ],
    },
    defaultDot: true,
    recursive: 'flag',
  },
  du: {
    options: {
      short: 'BdtX',
      long: ['block-size', 'max-depth', 'threshold', 'exclude-from', 'exclude', 'time-style', 'files0-from'],
    },
    defaultDot: true,
  },
  tree: {
    options: { short: 'LPIo', long: ['filelimit', 'timefmt', 'charset'] },
    defaultDot: true,
    recursive: 'always',
    writes: [['o', '']],
  },
  readlink: { options: {} },
  realpath: { options: { long: ['relative-to', 'relative-base'] } },
  grep: GREP,
  egrep: GREP,
  fgrep: GREP,
  rg: {
    ...GREP,
    options: {
      short: 'efmABCgtTjMEr',
      long: ['regexp', 'file', 'glob', 'type', 'max-count', 'context', 'replace'],
    },
    recursive: 'always',
  },
  ag: { ...GREP, options: { short: 'ABCGgm', long: ['file-search-regex', 'ignore'] }, recursive: 'always' },
  jq: {
    options: { short: 'f', long: ['from-file', 'arg', 'argjson', 'slurpfile', 'rawfile', 'indent'] },
    leading: 1,
    leadingBy: [['f', 'from-file']],
  },
  cut: {
    options: { short: 'bcdf', long: ['bytes', 'characters', 'delimiter', 'fields', 'output-delimiter'] },
  },
  paste: { options: { short: 'd', long: ['delimiters'] } },
  md5sum: { options: {} },
  sha1sum: { options: {} },
  sha256sum: { options: {} },
  sha512sum: { options: {} },
  b2sum: { options: { short: 'l', long: ['length'] } },
  cksum: { options: {} },
  base64: { options: { short: 'w', long: ['wrap'] } },
  xxd: { options: { short: 'cglosn', long: [] } },
  od: {
    options: {
      short: 'AjNSt',
      long: ['address-radix', 'skip-bytes', 'read-bytes', 'strings', 'format', 'width'],
    },
  },
  hexdump: { options: { short: 'enNs' } },
  strings: { options: { short: 'ntTe', long: ['bytes', 'radix', 'target', 'encoding'] } },
  column: { options: { short: 'cstoNROH' } },
  fold: { options: { short: 'w', long: ['width'] } },
  iconv: { options: { short: 'fto', long: ['from-code', 'to-code', 'output'] }, writes: [['o', 'output']] },
};

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
  if (extract) {
    ctx.hidden('tar extracts members whose names are inside the archive');
    for (const c of cwds) ctx.filePath('write', c, true);
  }
  return undefined;
}

function zip(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: 'bdinPtx', long: ['temp-path', 'password'] });
  const [archive, ...members] = p.operands;
  ctx.file('write', archive);
  for (const m of members) ctx.file('read', m, { recursive: RECURSIVE(p) });
  return undefined;
}

function unzip(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: 'dxP' });
  ctx.file('read', p.operands[0]);
  if (hasOption(p, 'l') || hasOption(p, 'v') || hasOption(p, 't') || hasOption(p, 'p')) return undefined;
  ctx.hidden('unzip extracts members whose names are inside the archive');
  const dir = optionValues(p, 'd')[0];
  if (dir) ctx.file('write', dir, { recursive: true });
  else for (const c of ctx.cwds) ctx.filePath('write', c, true);
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
  ['tar', tar],
  ['zip', zip],
  ['unzip', unzip],
  ...Object.entries(READERS).map(([name, spec]) => [name, reader(spec)] as [string, Handler]),
]);
