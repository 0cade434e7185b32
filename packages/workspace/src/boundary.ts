import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { posix } from 'node:path';
import { AstridError } from '@astrid/core';
import { realPathOfFd } from './fd.js';
import { astridHomeRules, compileNeverRules, firstNeverMatch, type NeverRule } from './never.js';
import {
  assertCanonicalAbsolute,
  assertOp,
  type BoundaryOp,
  expandTilde,
  isWithin,
  lexicalPath,
  namesDirectory,
} from './paths.js';
import { nodeResolverFs, type ResolverFs, resolvePhysical, type Unresolved } from './resolve.js';

/** Where a path lands relative to the workspace. `realPath` is what the tool must operate on. */
export type BoundaryCheck =
  | { readonly kind: 'inside'; readonly realPath: string; readonly lexicalPath: string }
  | {
      readonly kind: 'outside';
      readonly realPath: string;
      readonly lexicalPath: string;
      /** Set when the path could not be resolved (symlink loop, I/O error); `realPath` is then lexical. */
      readonly unresolved?: Unresolved;
    }
  | {
      readonly kind: 'never';
      readonly realPath: string;
      readonly lexicalPath: string;
      readonly rule: string;
    };

/** Options for {@link WorkspaceBoundary.create}. */
export interface WorkspaceBoundaryOptions {
  /** The user's home, for `~` and the root refusal. Default `os.homedir()`. */
  readonly home?: string;
  /** Astrid's data directory. Default `$ASTRID_HOME`, else `<home>/.astrid`. */
  readonly astridHome?: string;
  /** `never_allow` globs: absolute, `~/`, or relative to the workspace root. See glob.ts. */
  readonly neverAllow?: readonly string[];
  /** The filesystem calls used to resolve paths; injectable to test failure paths. */
  readonly fs?: ResolverFs;
}

/** Options for {@link WorkspaceBoundary.check}. */
export interface CheckOptions {
  /** Absolute directory relative paths resolve against. Default: the workspace root. */
  readonly cwd?: string;
}

/** Why a root was refused, in `AstridError.details.reason`. */
export type RootRefusal =
  | 'root_missing'
  | 'root_not_directory'
  | 'root_is_filesystem_root'
  | 'root_contains_home'
  | 'root_contains_astrid_home'
  | 'root_inside_astrid_home';

function refuse(reason: RootRefusal, message: string, cause?: unknown): AstridError {
  return new AstridError('WORKSPACE_INVALID', message, { cause, details: { reason } });
}

function absoluteOption(value: string, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected a string, got ${typeof value}`);
  if (value.includes('\0')) throw new RangeError(`"${name}" contains a NUL byte`);
  if (!value.startsWith('/'))
    throw new RangeError(`"${name}" expected an absolute path, got ${JSON.stringify(value)}`);
  return posix.normalize(value).replace(/(.)\/$/, '$1');
}

/**
 * The workspace boundary: decides whether a path is inside the workspace, outside it, or on
 * the `never_allow` list, after following every symlink the kernel would follow. The root is
 * canonicalised once at creation, so the answer does not depend on how the root was spelled.
 */
export class WorkspaceBoundary {
  /** The real (symlink-free) workspace root. */
  readonly root: string;
  /** The home directory `~` expands to, as given (lexical). */
  readonly home: string;
  /** Astrid's data directory, real location. */
  readonly astridHome: string;
  readonly #never: readonly NeverRule[];
  readonly #fs: ResolverFs;

  private constructor(root: string, home: string, astridHome: string, never: NeverRule[], fs: ResolverFs) {
    this.root = root;
    this.home = home;
    this.astridHome = astridHome;
    this.#never = never;
    this.#fs = fs;
  }

  /**
   * Opens a boundary on `root` (absolute, `~/`, or relative to the process cwd). Refuses, with
   * `WORKSPACE_INVALID` and `details.reason`, a root that is missing or not a directory, `/`,
   * the home directory or any ancestor of it, any ancestor of (or equal to) `astridHome`, or
   * anything inside `astridHome`: from such a root the agent could reach SSH keys, the daemon
   * token or Astrid's own policy with file actions that look "inside".
   */
  static async create(root: string, options: WorkspaceBoundaryOptions = {}): Promise<WorkspaceBoundary> {
    if (typeof root !== 'string') throw new TypeError(`"root" expected a string, got ${typeof root}`);
    if (root.includes('\0')) throw new RangeError('"root" contains a NUL byte');
    const fs = options.fs ?? nodeResolverFs;
    const home = absoluteOption(options.home ?? homedir(), 'home');
    const envHome = process.env.ASTRID_HOME;
    const astridLexical = absoluteOption(
      options.astridHome ?? (envHome !== undefined && envHome !== '' ? envHome : `${home}/.astrid`),
      'astridHome',
    );
    let expandedRoot: string;
    try {
      expandedRoot = posix.resolve(expandTilde(root, home));
    } catch (err) {
      throw new RangeError(`"root" uses ~user: ${JSON.stringify(root)}`, { cause: err });
    }
    let realRoot: string;
    try {
      realRoot = await fsp.realpath(expandedRoot);
    } catch (err) {
      throw refuse(
        'root_missing',
        `workspace root ${expandedRoot} does not exist or cannot be resolved`,
        err,
      );
    }
    if (!(await fsp.stat(realRoot)).isDirectory()) {
      throw refuse('root_not_directory', `workspace root ${realRoot} is not a directory`);
    }
    const realHome = (await resolvePhysical(home, true, fs)).realPath;
    const realAstrid = (await resolvePhysical(astridLexical, true, fs)).realPath;
    // Both spellings are compared: if either resolution is off (a missing dir, a later
    // symlink), the lexical form still catches the obvious case.
    if (realRoot === '/')
      throw refuse('root_is_filesystem_root', 'refusing the filesystem root as a workspace');
    if (isWithin(realHome, realRoot) || isWithin(home, realRoot)) {
      throw refuse(
        'root_contains_home',
        `refusing workspace root ${realRoot}: it is or contains the home directory`,
      );
    }
    if (isWithin(realAstrid, realRoot) || isWithin(astridLexical, realRoot)) {
      throw refuse(
        'root_contains_astrid_home',
        `refusing workspace root ${realRoot}: it contains Astrid's data directory ${astridLexical}`,
      );
    }
    if (isWithin(realRoot, realAstrid) || isWithin(realRoot, astridLexical)) {
      throw refuse(
        'root_inside_astrid_home',
        `refusing workspace root ${realRoot}: it lies inside Astrid's data directory ${astridLexical}`,
      );
    }
    const never = [
      ...astridHomeRules(astridLexical, realAstrid),
      ...(await compileNeverRules(options.neverAllow ?? [], { home, realRoot, fs })),
    ];
    return new WorkspaceBoundary(realRoot, home, realAstrid, never, fs);
  }

  /**
   * Classifies an agent-supplied path for `op`. `..` is collapsed lexically, `~`/`~/` expanded
   * (`~user` and NUL bytes throw `INVALID_ARGUMENT`), then the kernel's resolution is replayed
   * so that a not-yet-existing file under a symlinked directory lands where the directory
   * really is. For `delete` a final symlink is the entry removed, not its target (unlink does
   * not follow it) unless the path ends in `/`; every other op follows it, dangling or not.
   */
  async check(path: string, op: BoundaryOp, options: CheckOptions = {}): Promise<BoundaryCheck> {
    assertOp(op);
    const cwd = options.cwd === undefined ? this.root : absoluteOption(options.cwd, 'cwd');
    const lexical = lexicalPath(path, cwd, this.home);
    const followFinal = op !== 'delete' || namesDirectory(path);
    // What is read, listed or run exists in the common case; what is written often does not.
    const likelyExists = op === 'read' || op === 'list' || op === 'execute';
    const resolved = await resolvePhysical(lexical, followFinal, this.#fs, likelyExists);
    return this.#classify(resolved.realPath, lexical, resolved.unresolved);
  }

  /**
   * Classifies a path that is already real (from {@link realPathOfFd}), without touching the
   * filesystem. Throws a RangeError for a path that is not canonical and absolute.
   */
  checkReal(realPath: string, op: BoundaryOp): BoundaryCheck {
    assertOp(op);
    assertCanonicalAbsolute(realPath, 'realPath');
    return this.#classify(realPath, realPath, undefined);
  }

  /**
   * The execution-time re-check: for a descriptor, classifies the path the kernel says it
   * refers to now; for a path, runs {@link check} again. A tool calls this after `open` and
   * refuses unless the answer is still `inside` (or whatever was approved).
   */
  async recheckOpened(
    target: number | string,
    op: BoundaryOp,
    options: CheckOptions = {},
  ): Promise<BoundaryCheck> {
    if (typeof target === 'number') return this.checkReal(await realPathOfFd(target), op);
    if (typeof target === 'string') return this.check(target, op, options);
    throw new TypeError(`"target" expected a file descriptor or a path, got ${typeof target}`);
  }

  #classify(realPath: string, lexical: string, unresolved: Unresolved | undefined): BoundaryCheck {
    // never_allow first, on both spellings: a denial must not depend on which one the agent used.
    const rule = firstNeverMatch(this.#never, realPath, lexical);
    if (rule !== undefined) return { kind: 'never', realPath, lexicalPath: lexical, rule };
    // An unresolvable path is never inside: we cannot say where the kernel would land.
    if (unresolved !== undefined) return { kind: 'outside', realPath, lexicalPath: lexical, unresolved };
    if (isWithin(realPath, this.root)) return { kind: 'inside', realPath, lexicalPath: lexical };
    return { kind: 'outside', realPath, lexicalPath: lexical };
  }
}
