import { posix } from 'node:path';
import type { SensitiveAction } from '@astrid/core';
import type { Collector, CommandRecord, NoteKind } from './collector.js';
import { absoluteGlob, baseName, escapeGlob, expandHome, resolvePath } from './paths.js';
import type { CommandWord, PathOp } from './types.js';

/** Directories a command may run in: several when an earlier `cd` may or may not have happened. */
export type Cwds = readonly string[];

/** Where a command sits: its possible working directories, what wraps it, how deep. */
export interface Scope {
  readonly cwds: Cwds;
  readonly via: readonly string[];
  /** Nesting of wrappers, shells and substitutions, bounded so hostile input cannot recurse forever. */
  readonly depth: number;
}

/** What the argv interpreter needs from the shell reader (breaks the import cycle). */
export interface ShellHost {
  readonly out: Collector;
  readonly home: string;
  readonly env: Readonly<Record<string, string>>;
  /** Parses and analyses nested shell source (`bash -c`, `eval`, `env -S`) as its own shell. */
  source(text: string, scope: Scope): void;
  /** Interprets an argv (a wrapped command) in the given scope; returns the cwds after a `cd`. */
  run(words: readonly CommandWord[], scope: Scope, stdin?: string): Cwds | undefined;
}

/**
 * Records a file access named by a word, for every cwd it may be relative to: a glob word
 * becomes a path pattern, a word with unknown parts records nothing (it is already
 * unresolved), and `recursive` adds everything below the path.
 */
export function recordFile(
  out: Collector,
  op: PathOp,
  word: CommandWord | undefined,
  cwds: Cwds,
  recursive: boolean,
  owner?: CommandRecord,
): void {
  if (word === undefined) return;
  if (word.glob !== undefined) {
    for (const cwd of cwds) {
      const pattern = absoluteGlob(word.glob, cwd, out.home);
      out.glob(op, pattern, owner);
      if (recursive) out.glob(op, `${pattern}/**`, owner);
    }
    return;
  }
  if (!word.known || word.value === '') return;
  for (const path of new Set(cwds.map((c) => resolvePath(word.value, c, out.home)))) {
    out.path(op, path, owner);
    if (recursive) out.glob(op, path === '/' ? '/**' : `${escapeGlob(path)}/**`, owner);
  }
}

/** Limit on nested wrappers/shells/substitutions; beyond it the command is unresolved. */
export const MAX_DEPTH = 24;

/** Everything a per-program handler can do while reading one simple command. */
export class CommandContext {
  constructor(
    readonly host: ShellHost,
    readonly record: CommandRecord,
    readonly scope: Scope,
    /** Literal program text on stdin (heredoc or here-string), when there is one. */
    readonly stdin: string | undefined,
  ) {}

  get args(): readonly CommandWord[] {
    return this.record.words.slice(1);
  }

  get name(): string {
    return this.record.basename;
  }

  get cwds(): Cwds {
    return this.scope.cwds;
  }

  note(kind: NoteKind, reason: string): void {
    this.host.out.note(kind, reason, this.record);
  }

  unresolved(reason: string): void {
    this.note('unresolved', reason);
  }

  runsCode(reason: string): void {
    this.note('runsCode', reason);
  }

  hidden(reason: string): void {
    this.note('hidden', reason);
  }

  action(action: SensitiveAction): void {
    this.host.out.action(action, this.record);
  }

  /** Absolute paths a word names, one per possible cwd; none when the word's value is unknown. */
  paths(word: CommandWord, cwds: Cwds = this.cwds): string[] {
    if (!word.known || word.value === '') return [];
    return [...new Set(cwds.map((c) => resolvePath(word.value, c, this.host.home)))];
  }

  /**
   * Records a file access by a word. A glob word becomes a path pattern; `recursive` adds
   * everything below the path (`rm -r`, `chmod -R`, `cp -r` sources).
   */
  file(op: PathOp, word: CommandWord | undefined, options: { recursive?: boolean; cwds?: Cwds } = {}): void {
    recordFile(this.host.out, op, word, options.cwds ?? this.cwds, options.recursive ?? false, this.record);
  }

  /** Records a file access on an absolute path. */
  filePath(op: PathOp, path: string, recursive = false): void {
    this.host.out.path(op, path, this.record);
    if (recursive) this.host.out.glob(op, path === '/' ? '/**' : `${escapeGlob(path)}/**`, this.record);
  }

  /**
   * Records writes of unknown names below a directory (archive extraction, recursive
   * download). The command is unresolved: the names come from outside it.
   */
  unknownBelow(dir: CommandWord | string, reason: string): void {
    this.unresolved(reason);
    const paths = typeof dir === 'string' ? [dir] : this.paths(dir);
    for (const p of paths) {
      this.host.out.path('write', p, this.record);
      this.host.out.glob('write', p === '/' ? '/**' : `${escapeGlob(p)}/**`, this.record, true);
    }
  }

  /** Records a write of `dir/<basename of source>`: what `cp src dir/` or `mv src dir` creates. */
  intoDirectory(op: PathOp, dir: CommandWord, source: CommandWord): void {
    if (!source.known || source.value === '') return;
    const name = baseName(expandHome(source.value, this.host.home));
    if (name === '' || name === '.' || name === '..') return;
    for (const d of this.paths(dir)) this.filePath(op, posix.join(d, name));
  }

  /** Records a network request (validated like every action). */
  network(host: string, port: number, method: string, url?: string): void {
    this.action({ kind: 'network_request', host, port, method, ...(url === undefined ? {} : { url }) });
  }

  /** Interprets the command a wrapper runs, one level deeper. */
  run(
    words: readonly CommandWord[],
    label: string,
    cwds: Cwds = this.cwds,
    stdin?: string,
  ): Cwds | undefined {
    if (words.length === 0) return undefined;
    if (this.scope.depth >= MAX_DEPTH) {
      this.unresolved(`commands nested more than ${MAX_DEPTH} deep`);
      return undefined;
    }
    return this.host.run(
      words,
      { cwds, via: [...this.scope.via, label], depth: this.scope.depth + 1 },
      stdin,
    );
  }

  /** Parses and analyses a shell string this command runs (`bash -c`, `eval`). */
  shell(text: string, label: string, cwds: Cwds = this.cwds): void {
    if (this.scope.depth >= MAX_DEPTH) {
      this.unresolved(`commands nested more than ${MAX_DEPTH} deep`);
      return;
    }
    this.host.source(text, { cwds, via: [...this.scope.via, label], depth: this.scope.depth + 1 });
  }

  /** Resolves a directory word to the new set of cwds (for `cd`, `env -C`, `git -C`). */
  chdir(word: CommandWord, cwds: Cwds = this.cwds): Cwds | undefined {
    if (!word.literal)
      this.unresolved(`changes directory to a non-literal path ${JSON.stringify(word.value)}`);
    const next = this.paths(word, cwds);
    return next.length > 0 ? next : undefined;
  }
}
