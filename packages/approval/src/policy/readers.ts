import { RECURSIVE } from './file-commands.js';
import { type OptionSpec, optionValues, parseArgs } from './getopt.js';
import type { Handler } from './handler.js';

/**
 * Commands that read their file operands (cat, head, grep, ls...), listed with the options
 * that take a value, the leading operands that are not files (a grep pattern) and the
 * options that name files read or written (`sort -o`).
 */

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

/** Handlers for reading commands. */
export const READER_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>(
  Object.entries(READERS).map(([name, spec]) => [name, reader(spec)] as [string, Handler]),
);
