import { DEFAULT_WRITE_DENIED_IN_WORKSPACE } from '@astrid/approval';
import { AstridError } from '@astrid/core';
import {
  defaultMaskPaths,
  deniedPathMasks,
  resolveSandbox,
  SANDBOX_SETTINGS,
  type SandboxCommand,
  type SandboxResolution,
  type SandboxSetting,
  sandboxCommand,
} from '@astrid/sandbox';
import type { WorkspaceBoundary } from '@astrid/workspace';

/** How the bash tool sandboxes its commands (`[tools.bash] sandbox` and the policy's paths). */
export interface BashSandboxOptions {
  /**
   * `[tools.bash] sandbox` (`auto` | `bwrap` | `none`, default `auto`, as in the config), or
   * the resolution the daemon made once at start with `resolveSandbox` — preferred, because
   * the interceptor's `sandboxed` flag (approval cards) and `daemon.status` then come from
   * the very same decision.
   */
  readonly mode?: SandboxSetting | SandboxResolution;
  /** The bubblewrap binary; default `/usr/bin/bwrap`. */
  readonly bwrapPath?: string;
  /** `[security.policy] denied_paths`: every entry that exists is hidden too (see @astrid/sandbox). */
  readonly deniedPaths?: readonly string[];
  /** More absolute paths to hide. */
  readonly maskPaths?: readonly string[];
}

// The policy's write-protected paths inside the workspace (`.astrid/**`, `.git/hooks/**`,
// `.git/config`, ...) that name one path or one whole tree: the sandbox makes those
// read-only too, so a program the parser could not see cannot plant a git hook that the
// user's next `git commit` would run outside the sandbox. Patterns with a glob in the
// middle (`.git/modules/**/hooks/**`) cannot be one mount and stay policy-only.
const WORKSPACE_READ_ONLY: readonly string[] = DEFAULT_WRITE_DENIED_IN_WORKSPACE.flatMap((pattern) => {
  const m = /^([^*?[{\\]+?)(\/\*\*)?$/.exec(pattern);
  return m?.[1] === undefined ? [] : [m[1]];
});

/** What one command needs to be wrapped. */
export interface SandboxedSpawn {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly boundary: WorkspaceBoundary;
  readonly network: boolean;
  /** The fd of the lifeline the caller passes (see @astrid/sandbox `lifelineFd`). */
  readonly lifelineFd?: number;
}

/**
 * The bash tool's side of the sandbox: resolves the setting once (the probe is cached per
 * binary for the whole daemon) and wraps each command with `sandboxCommand`, hiding
 * `ASTRID_HOME`, the home's credential stores, the system's secrets and the configured
 * `denied_paths`, with the workspace writable except its protected paths.
 */
export class BashSandbox {
  readonly #options: BashSandboxOptions;
  readonly #denied: readonly string[];
  #resolution: Promise<SandboxResolution> | undefined;

  constructor(options: BashSandboxOptions = {}) {
    const mode = options.mode ?? 'auto';
    if (
      typeof mode === 'string'
        ? !SANDBOX_SETTINGS.includes(mode)
        : mode.mode !== 'bwrap' && mode.mode !== 'none'
    ) {
      throw new RangeError(`"sandbox.mode" expected "auto", "bwrap", "none" or a resolution`);
    }
    for (const [name, list] of [
      ['deniedPaths', options.deniedPaths],
      ['maskPaths', options.maskPaths],
    ] as const) {
      if (list !== undefined && (!Array.isArray(list) || list.some((p) => typeof p !== 'string'))) {
        throw new TypeError(`"sandbox.${name}" expected an array of strings`);
      }
    }
    if (options.maskPaths?.some((p) => !p.startsWith('/'))) {
      throw new RangeError('"sandbox.maskPaths" expected absolute paths');
    }
    this.#options = options;
    this.#denied = options.deniedPaths ?? [];
    if (typeof mode !== 'string') this.#resolution = Promise.resolve(mode);
  }

  /** How commands run: decided at the first call, then fixed for this tool. */
  resolution(): Promise<SandboxResolution> {
    if (this.#resolution === undefined) {
      const mode = (this.#options.mode ?? 'auto') as SandboxSetting;
      this.#resolution = resolveSandbox(
        mode,
        this.#options.bwrapPath === undefined ? {} : { bwrapPath: this.#options.bwrapPath },
      );
    }
    return this.#resolution;
  }

  /** Throws the refusal when `bwrap` is required and cannot start: such commands never run. */
  async assertUsable(): Promise<SandboxResolution> {
    const r = await this.resolution();
    if (r.refusal !== undefined) throw new AstridError(r.refusal.code, r.refusal.message);
    return r;
  }

  /** What to spawn for `argv`: bubblewrap around it, or `argv` itself when the mode is `none`. */
  async command(argv: readonly string[], spawn: SandboxedSpawn): Promise<SandboxCommand> {
    const r = await this.assertUsable();
    const { boundary } = spawn;
    const uid = process.getuid?.();
    const homes = new Set([boundary.home, spawn.env.HOME ?? boundary.home].filter((h) => h.startsWith('/')));
    const masks = [
      ...[...homes].flatMap((home) =>
        defaultMaskPaths({ home, astridHome: boundary.astridHome, ...(uid === undefined ? {} : { uid }) }),
      ),
      ...deniedPathMasks(this.#denied, boundary.home).paths,
      ...(this.#options.maskPaths ?? []),
    ];
    return sandboxCommand({
      argv,
      cwd: spawn.cwd,
      env: spawn.env,
      workspace: boundary.root,
      network: spawn.network,
      readOnly: WORKSPACE_READ_ONLY.map((p) => `${boundary.root}/${p}`),
      maskPaths: masks,
      mode: r.mode,
      ...(spawn.lifelineFd === undefined ? {} : { lifelineFd: spawn.lifelineFd }),
      ...(this.#options.bwrapPath === undefined ? {} : { bwrapPath: this.#options.bwrapPath }),
    });
  }
}
