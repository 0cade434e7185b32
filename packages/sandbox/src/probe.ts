import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorCode } from '@astrid/core';
import { sandboxCommand } from './command.js';
import { DEFAULT_BWRAP_PATH, SANDBOX_SETTINGS, type SandboxMode, type SandboxSetting } from './types.js';

/** Whether bubblewrap works here. */
export interface SandboxProbe {
  readonly bwrapPath: string;
  readonly available: boolean;
  /** Why not, when it does not (missing binary, no user namespaces, a bwrap error line). */
  readonly reason?: string;
}

/** Options for {@link probeSandbox}. */
export interface ProbeOptions {
  /** Default {@link DEFAULT_BWRAP_PATH}. */
  readonly bwrapPath?: string;
  /** Default 10,000 ms. */
  readonly timeoutMs?: number;
}

const probes = new Map<string, Promise<SandboxProbe>>();

async function runProbe(bwrapPath: string, timeoutMs: number): Promise<SandboxProbe> {
  const dir = await mkdtemp(join(tmpdir(), 'astrid-probe-'));
  try {
    // The same construction every command gets (a workspace, a mask, no network), so a
    // kernel without user namespaces or a bwrap that rejects a flag fails here, once.
    await mkdir(join(dir, 'masked'));
    const cmd = await sandboxCommand({
      argv: ['true'],
      cwd: dir,
      env: { PATH: '/usr/bin:/bin' },
      workspace: dir,
      network: false,
      maskPaths: [join(dir, 'masked')],
      mode: 'bwrap',
      bwrapPath,
    });
    return await new Promise<SandboxProbe>((resolve) => {
      execFile(
        cmd.file,
        [...cmd.args],
        { env: { ...cmd.env }, cwd: cmd.cwd, timeout: timeoutMs, killSignal: 'SIGKILL' },
        (err, _stdout, stderr) => {
          if (err === null) {
            resolve({ bwrapPath, available: true });
            return;
          }
          const code = (err as NodeJS.ErrnoException).code;
          const said = String(stderr).trim().split('\n')[0];
          const reason =
            code === 'ENOENT'
              ? `${bwrapPath} not found (install the bubblewrap package)`
              : err.killed
                ? `${bwrapPath} did not finish within ${timeoutMs} ms`
                : said !== undefined && said !== ''
                  ? said
                  : err.message;
          resolve({ bwrapPath, available: false, reason });
        },
      );
    });
  } catch (err) {
    return { bwrapPath, available: false, reason: (err as Error).message };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Runs `bwrap … true` once per binary path, with the same mounts and namespaces a command
 * gets, and caches the answer for the life of the process (the daemon probes at start;
 * every later caller gets the same result).
 */
export function probeSandbox(options: ProbeOptions = {}): Promise<SandboxProbe> {
  const bwrapPath = options.bwrapPath ?? DEFAULT_BWRAP_PATH;
  if (typeof bwrapPath !== 'string' || !bwrapPath.startsWith('/')) {
    throw new RangeError(`"bwrapPath" expected an absolute path, got ${JSON.stringify(bwrapPath)}`);
  }
  let probe = probes.get(bwrapPath);
  if (probe === undefined) {
    probe = runProbe(bwrapPath, options.timeoutMs ?? 10_000);
    probes.set(bwrapPath, probe);
  }
  return probe;
}

/** The error code of a refusal: the configured sandbox cannot start, so nothing may run. */
export const SANDBOX_REFUSAL_CODE: ErrorCode = 'SANDBOX_UNAVAILABLE';

/** How commands will run, decided once from the setting and the probe. */
export interface SandboxResolution {
  readonly setting: SandboxSetting;
  /** `bwrap`: inside bubblewrap; `none`: directly. */
  readonly mode: SandboxMode;
  /** What approval cards and `daemon.status` show. */
  readonly sandboxed: boolean;
  /** For the daemon's start-up log and `daemon.status` when commands are not sandboxed. */
  readonly warning?: string;
  /** Set when commands must be refused: `bwrap` was required and cannot start. */
  readonly refusal?: { readonly code: ErrorCode; readonly message: string };
}

/**
 * `auto`: bubblewrap when the probe works, else no sandbox with a warning. `bwrap`:
 * bubblewrap, or a refusal when it cannot start (commands are refused, never run
 * unsandboxed: the mode stays `bwrap`, so even a caller that ignored the refusal would
 * only fail to spawn). `none`: no sandbox, with a warning.
 */
export function resolveSandboxMode(setting: SandboxSetting, probe: SandboxProbe): SandboxResolution {
  switch (setting) {
    case 'none':
      return {
        setting,
        mode: 'none',
        sandboxed: false,
        warning: 'commands run unsandboxed: [tools.bash] sandbox = "none"',
      };
    case 'auto':
      if (probe.available) return { setting, mode: 'bwrap', sandboxed: true };
      return {
        setting,
        mode: 'none',
        sandboxed: false,
        warning: `commands run unsandboxed: bubblewrap is not usable (${probe.reason ?? 'unknown reason'})`,
      };
    case 'bwrap':
      if (probe.available) return { setting, mode: 'bwrap', sandboxed: true };
      return {
        setting,
        mode: 'bwrap',
        sandboxed: false,
        refusal: {
          code: SANDBOX_REFUSAL_CODE,
          message: `[tools.bash] sandbox = "bwrap" but bubblewrap cannot start (${probe.reason ?? 'unknown reason'}); commands are refused`,
        },
      };
    default:
      throw new RangeError(
        `"setting" expected "auto", "bwrap" or "none", got ${JSON.stringify(setting as unknown)}`,
      );
  }
}

/** {@link probeSandbox} (skipped for `none`) then {@link resolveSandboxMode}: what the daemon calls at start. */
export async function resolveSandbox(
  setting: SandboxSetting,
  options: ProbeOptions = {},
): Promise<SandboxResolution> {
  if (!SANDBOX_SETTINGS.includes(setting))
    return resolveSandboxMode(setting, { bwrapPath: '', available: false });
  if (setting === 'none') {
    return resolveSandboxMode(setting, {
      bwrapPath: options.bwrapPath ?? DEFAULT_BWRAP_PATH,
      available: false,
    });
  }
  return resolveSandboxMode(setting, await probeSandbox(options));
}
