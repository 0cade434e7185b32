import { bwrapArgs } from './bwrap-args.js';
import { resolveMounts } from './layout.js';
import { lifelineArgv } from './lifeline.js';
import { isWithin, normaliseAbsolute } from './paths.js';
import { DEFAULT_BWRAP_PATH, type SandboxCommand, type SandboxRequest } from './types.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function absolutePath(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected a string`);
  if (!value.startsWith('/') || value.includes('\0')) {
    throw new RangeError(
      `"${name}" expected an absolute path without NUL bytes, got ${JSON.stringify(value)}`,
    );
  }
  return normaliseAbsolute(value);
}

function pathList(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError(`"${name}" expected an array of paths`);
  return value.map((p, i) => absolutePath(`${name}[${i}]`, p));
}

/** Checks a request at the boundary: every path absolute, argv and env free of NUL bytes. */
function checkRequest(req: SandboxRequest): void {
  if (typeof req !== 'object' || req === null) throw new TypeError('"request" expected an object');
  if (req.mode !== 'bwrap' && req.mode !== 'none') {
    throw new RangeError(`"mode" expected "bwrap" or "none", got ${JSON.stringify(req.mode)}`);
  }
  if (!Array.isArray(req.argv) || req.argv.length === 0)
    throw new RangeError('"argv" expected at least one word');
  for (const [i, word] of req.argv.entries()) {
    if (typeof word !== 'string') throw new TypeError(`"argv[${i}]" expected a string`);
    if (word.includes('\0')) throw new RangeError(`"argv[${i}]" contains a NUL byte`);
  }
  if (req.argv[0] === '') throw new RangeError('"argv[0]" expected a program name');
  const fd = req.lifelineFd;
  if (fd !== undefined && (!Number.isSafeInteger(fd) || fd < 3 || fd > 255)) {
    throw new RangeError(`"lifelineFd" expected an integer from 3 to 255, got ${String(fd)}`);
  }
  if (typeof req.network !== 'boolean') throw new TypeError('"network" expected a boolean');
  if (typeof req.env !== 'object' || req.env === null) throw new TypeError('"env" expected an object');
  for (const [name, value] of Object.entries(req.env)) {
    if (!ENV_NAME.test(name))
      throw new RangeError(`"env" has an invalid variable name ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new RangeError(`"env.${name}" expected a string without NUL bytes`);
    }
  }
}

/**
 * THE way Astrid starts an untrusted process (bash commands now; MCP stdio servers and
 * capsule processes later): turns a request into what to spawn. For mode `none` that is
 * the argv as given. For `bwrap` it is bubblewrap with the host read-only, the workspace
 * (and `extraReadWrite`) writable, `readOnly` paths protected inside them, `maskPaths`
 * hidden, a private `/tmp`, fresh `/proc` and minimal `/dev`, its own PID, IPC and UTS
 * namespaces, no network unless `network`, no capabilities, and exactly `env` (see
 * {@link bwrapArgs}). Masks and protected paths are resolved against the filesystem now,
 * at every call, so a credential store created after the daemon started is hidden too.
 *
 * A `TMPDIR` outside the writable trees would be read-only inside, so it becomes `/tmp`.
 * The caller spawns `file` with `args`, `env` and `cwd`; mode `bwrap` never falls back to
 * running the command directly: if bwrap cannot start, the spawn fails.
 */
export async function sandboxCommand(req: SandboxRequest): Promise<SandboxCommand> {
  checkRequest(req);
  const cwd = absolutePath('cwd', req.cwd);
  const workspace = absolutePath('workspace', req.workspace);
  const extra = pathList('extraReadWrite', req.extraReadWrite);
  const masks = pathList('maskPaths', req.maskPaths);
  const readOnly = pathList('readOnly', req.readOnly);
  const env = { ...req.env };
  const argv = req.lifelineFd === undefined ? req.argv : lifelineArgv(req.argv, req.lifelineFd, req.mode);
  const [program, ...rest] = argv as [string, ...string[]];
  if (req.mode === 'none') {
    return { file: program, args: rest, env, cwd, sandboxed: false, masked: [] };
  }
  const bwrapPath = absolutePath('bwrapPath', req.bwrapPath ?? DEFAULT_BWRAP_PATH);
  const mounts = await resolveMounts(workspace, extra, masks, readOnly);
  const tmp = env.TMPDIR;
  if (tmp !== undefined && !mounts.readWrite.some((dir) => isWithin(normaliseAbsolute(tmp), dir))) {
    env.TMPDIR = '/tmp';
  }
  const args = bwrapArgs({ ...mounts, argv, cwd, env, network: req.network });
  return {
    file: bwrapPath,
    args,
    env,
    cwd,
    sandboxed: true,
    masked: [...mounts.masksBefore, ...mounts.masksAfter],
  };
}
