/** How a process actually runs: inside bubblewrap, or as is. */
export type SandboxMode = 'bwrap' | 'none';

/** `[tools.bash] sandbox`: what the operator asked for. */
export type SandboxSetting = 'auto' | 'bwrap' | 'none';

/** The settings, in order from least to most restrictive. */
export const SANDBOX_SETTINGS: readonly SandboxSetting[] = ['none', 'auto', 'bwrap'];

/** Where bubblewrap is looked for when no path is given (a fixed path, never a PATH lookup). */
export const DEFAULT_BWRAP_PATH = '/usr/bin/bwrap';

/** One process to start, and what it may touch. */
export interface SandboxRequest {
  /** The program and its arguments; `argv[0]` is looked up on `env.PATH` inside. */
  readonly argv: readonly string[];
  /** Absolute working directory (inside the sandbox it is the same path). */
  readonly cwd: string;
  /** The complete environment of the process: nothing else reaches it. */
  readonly env: Readonly<Record<string, string>>;
  /** The workspace: the one directory tree the process may write (absolute). */
  readonly workspace: string;
  /** True: the host network. False: a fresh network namespace with nothing in it. */
  readonly network: boolean;
  /** More directories the process may write (absolute; missing ones are skipped). */
  readonly extraReadWrite?: readonly string[];
  /**
   * Paths inside a writable tree that stay read-only (`.git/config`, `.git/hooks`,
   * `.astrid`): bound read-only over themselves when they exist, and each directory
   * between them and the writable root is pinned so it cannot be renamed away.
   */
  readonly readOnly?: readonly string[];
  /**
   * Paths to hide (absolute): each that exists is replaced by an empty read-only tmpfs
   * (a directory) or by `/dev/null` (anything else; bwrap mounts it `nodev`, so opening it
   * fails with EACCES), at its real path.
   */
  readonly maskPaths: readonly string[];
  readonly mode: SandboxMode;
  /**
   * A file descriptor (3 to 255) the caller passes to the process, whose other end only the
   * caller holds. When set, the command is wrapped so that it is killed as soon as that fd
   * reaches end-of-file, i.e. when the caller dies, however and whenever (see lifeline.ts).
   * Without a sandbox the caller must spawn it `detached` (the wrapper kills its own group).
   */
  readonly lifelineFd?: number;
  /** The bubblewrap binary; default {@link DEFAULT_BWRAP_PATH}. */
  readonly bwrapPath?: string;
}

/** A path hidden in the sandbox, at its real location. */
export interface ResolvedMask {
  readonly path: string;
  /** `dir`: an empty read-only tmpfs; `file`: `/dev/null` bound read-only (cannot be opened). */
  readonly kind: 'dir' | 'file';
}

/** What to spawn: `file` with `args`, in `cwd`, with exactly `env`. */
export interface SandboxCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** True when the process runs inside bubblewrap. */
  readonly sandboxed: boolean;
  /** The paths hidden (empty for mode `none`). */
  readonly masked: readonly ResolvedMask[];
}
