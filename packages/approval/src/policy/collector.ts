import { type SensitiveAction, SensitiveActionSchema } from '@astrid/core';
import { baseName, isHarmlessDevice, resolvePath } from './paths.js';
import type { CommandAnalysis, CommandWord, PathGlob, PathOp, SimpleCommand } from './types.js';

/** The three kinds of note an analysis can attach (see {@link CommandAnalysis}). */
export type NoteKind = 'unresolved' | 'runsCode' | 'hidden';

/** A simple command while it is being analysed; frozen into a {@link SimpleCommand} at the end. */
export interface CommandRecord {
  readonly argv: string[];
  readonly words: readonly CommandWord[];
  readonly basename: string;
  readonly resolvedPaths: string[];
  readonly cwds: readonly string[];
  readonly via: readonly string[];
  readonly unresolved: string[];
  readonly runsCode: string[];
  readonly hidden: string[];
  readonly actions: SensitiveAction[];
  readonly pathGlobs: PathGlob[];
}

const KIND_OF_OP = { read: 'file_read', write: 'file_write', delete: 'file_delete' } as const;

/** Gathers commands, actions and notes from every level of one analysis, deduplicated. */
export class Collector {
  readonly commands: CommandRecord[] = [];
  private readonly actions: SensitiveAction[] = [];
  private readonly actionKeys = new Set<string>();
  private readonly pathGlobs: PathGlob[] = [];
  private readonly globKeys = new Set<string>();
  private readonly notes = {
    unresolved: new Set<string>(),
    runsCode: new Set<string>(),
    hidden: new Set<string>(),
  };

  constructor(readonly home: string) {}

  /** Starts the record of one simple command and derives its `execute_command` action. */
  startCommand(
    words: readonly CommandWord[],
    cwds: readonly string[],
    via: readonly string[],
  ): CommandRecord {
    const argv = words.map((w) => w.value);
    const program = argv[0] ?? '';
    const record: CommandRecord = {
      argv,
      words,
      basename: baseName(program).toLowerCase(),
      resolvedPaths: program.includes('/')
        ? [...new Set(cwds.map((c) => resolvePath(program, c, this.home)))]
        : [],
      cwds,
      via,
      unresolved: [],
      runsCode: [],
      hidden: [],
      actions: [],
      pathGlobs: [],
    };
    this.commands.push(record);
    this.action({ kind: 'execute_command', argv, cwd: cwds[0] }, record);
    return record;
  }

  /** Records a note on the analysis and, when given, on the command it belongs to. */
  note(kind: NoteKind, reason: string, owner?: CommandRecord): void {
    this.notes[kind].add(reason);
    if (owner && !owner[kind].includes(reason)) owner[kind].push(reason);
  }

  /**
   * Adds a derived action after validating it against the action schema. An action that
   * does not validate (a host with odd characters, a NUL byte) cannot be checked, so it
   * makes the command unresolved instead of being dropped silently.
   */
  action(candidate: SensitiveAction, owner?: CommandRecord): void {
    const parsed = SensitiveActionSchema.safeParse(candidate);
    if (!parsed.success) {
      this.note('unresolved', `cannot form a checkable ${candidate.kind} action`, owner);
      return;
    }
    const key = JSON.stringify(parsed.data);
    owner?.actions.push(parsed.data);
    if (this.actionKeys.has(key)) return;
    this.actionKeys.add(key);
    this.actions.push(parsed.data);
  }

  /** Adds a file action on an absolute path; pseudo-devices such as /dev/null are plumbing, not files. */
  path(op: PathOp, path: string, owner?: CommandRecord): void {
    if (isHarmlessDevice(path)) return;
    this.action({ kind: KIND_OF_OP[op], path } as SensitiveAction, owner);
  }

  /** Adds a set of paths a command may touch, as a picomatch pattern. */
  glob(op: PathOp, pattern: string, owner?: CommandRecord, unknownNames = false): void {
    const entry: PathGlob = unknownNames ? { op, pattern, unknownNames } : { op, pattern };
    owner?.pathGlobs.push(entry);
    const key = `${op}\0${unknownNames}\0${pattern}`;
    if (this.globKeys.has(key)) return;
    this.globKeys.add(key);
    this.pathGlobs.push(entry);
  }

  /** The finished, read-only analysis. */
  result(): CommandAnalysis {
    return {
      commands: this.commands.map(freeze),
      actions: this.actions,
      pathGlobs: this.pathGlobs,
      unresolved: [...this.notes.unresolved],
      runsCode: [...this.notes.runsCode],
      hidden: [...this.notes.hidden],
    };
  }
}

function freeze(r: CommandRecord): SimpleCommand {
  return { ...r };
}
