import type { SensitiveAction } from '@astrid/core';

/** Options for analysing a command: where it runs and what `~` means. */
export interface AnalyzeOptions {
  /** Absolute working directory the command starts in. */
  readonly cwd: string;
  /** Absolute home directory, for `~` and `~/...`. */
  readonly home: string;
  /**
   * Known values of environment variables (e.g. HOME, ASTRID_HOME) as the command will see
   * them. A word using one stays unresolved, but its likely value is checked against the
   * denials, so `cat $ASTRID_HOME/keys/x` is denied rather than merely asked about.
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** One word of a command after shell expansion, as far as a static reading can tell. */
export interface CommandWord {
  /** The text the program receives: quotes removed, escapes decoded, known variables substituted. */
  readonly value: string;
  /** True when `value` is exactly what the program receives (no expansion of any kind). */
  readonly literal: boolean;
  /** A picomatch pattern when the word holds an unquoted glob; the real words are unknown. */
  readonly glob?: string;
  /** True when `value` is usable for checks: literal, or only known variables were substituted. */
  readonly known: boolean;
  /**
   * For a word with unknown parts (`${X}do`): a picomatch pattern with `*` for each unknown
   * part, so a program name that could expand to a blocked one is caught.
   */
  readonly pattern?: string;
}

/** What a file access does; `delete` also covers moving a file away. */
export type PathOp = 'read' | 'write' | 'delete';

/**
 * A set of paths a command may touch, as a picomatch pattern: an unquoted glob argument, or
 * everything under a directory that a recursive operation (`rm -r`, `chmod -R`) walks.
 */
export interface PathGlob {
  readonly op: PathOp;
  readonly pattern: string;
  /**
   * Set when the names below a directory come from outside the command (archive members,
   * a recursive download): checked against the admin's denied paths only, the command being
   * unresolved already (an archive may hold `.git/hooks/...`; a human decides).
   */
  readonly unknownNames?: true;
}

/** One simple command found anywhere in a command line, with what it was derived to do. */
export interface SimpleCommand {
  readonly argv: readonly string[];
  readonly words: readonly CommandWord[];
  /** Lower-cased last path segment of argv[0]: the identity used for blocking. */
  readonly basename: string;
  /** Absolute program paths when argv[0] was written with a slash (one per possible cwd). */
  readonly resolvedPaths: readonly string[];
  /** Directories it may run in (more than one when an earlier `cd` may have failed). */
  readonly cwds: readonly string[];
  /** Wrappers, shells and substitutions it was found inside, outermost first. */
  readonly via: readonly string[];
  readonly unresolved: readonly string[];
  readonly runsCode: readonly string[];
  readonly hidden: readonly string[];
  readonly actions: readonly SensitiveAction[];
  readonly pathGlobs: readonly PathGlob[];
}

/** The static reading of a whole command line. */
export interface CommandAnalysis {
  readonly commands: readonly SimpleCommand[];
  /** Every derived action (execute, file, network), deduplicated, redirections included. */
  readonly actions: readonly SensitiveAction[];
  readonly pathGlobs: readonly PathGlob[];
  /**
   * Why the command cannot be judged from its text (globs, expansions, substitutions,
   * inline code, scripts, background jobs, parse errors...). Non-empty means: never
   * auto-allowed, approval at critical risk in every mode.
   */
  readonly unresolved: readonly string[];
  /**
   * Why the command runs code chosen at run time (shells, wrappers, build tools, `git -c`).
   * The token stage may only ever grant such a command Allow Once.
   */
  readonly runsCode: readonly string[];
  /** Effects the parser knows exist but cannot name (a git remote's host lives in .git/config). */
  readonly hidden: readonly string[];
}
