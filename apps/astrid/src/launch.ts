import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CliError } from './io.js';

// This module is loaded before the rest of the CLI (see early.ts), so it uses node builtins
// only: the client, with its schema checks, verifies daemon.json when it connects.

/** How to run this CLI's own `astridd`: the node arguments before astridd's flags. */
export interface DaemonCommand {
  readonly node: string;
  readonly args: readonly string[];
}

// The CLI starts its own astridd, never one found on PATH (which could be another version
// or someone else's binary). From source (tests, `tsx`) that is astridd's main.ts under tsx;
// from a build, its bundled bin (dist/bin/main.js).
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The command that runs the astridd this CLI ships with. */
export function daemonCommand(): DaemonCommand {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@astrid/astridd/package.json'));
  if (FROM_SOURCE) {
    const main = join(root, 'src', 'main.ts');
    const tsx = require.resolve('tsx');
    return { node: process.execPath, args: ['--import', pathToHref(tsx), '--conditions=source', main] };
  }
  const main = join(root, 'dist', 'bin', 'main.js');
  if (!existsSync(main)) throw new CliError(`astridd is not built (${main} is missing): run \`pnpm build\``);
  return { node: process.execPath, args: [main] };
}

function pathToHref(path: string): string {
  return new URL(`file://${path}`).href;
}

/** Options of {@link launchEphemeral}. */
export interface LaunchOptions {
  readonly home: string;
  readonly workspace: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How long to wait for `daemon.json` (default 15 s). */
  readonly timeoutMs?: number;
  /** Seconds the daemon lingers after its last client (astridd's default when unset). */
  readonly gracePeriodSeconds?: number;
}

/**
 * Starts an ephemeral astridd in the background for `workspace` and resolves once it has
 * written `daemon.json`. The daemon outlives this process (detached, own session) and exits
 * by itself after its last client leaves and the grace period passes. If it exits before
 * it is ready, its own error (config invalid, lock held, ...) is the CLI's error.
 */
export function launchEphemeral(options: LaunchOptions): Promise<void> {
  // One launch per data dir and process: `astrid chat` starts it before loading the CLI
  // (early.ts), and the connect that finds no daemon then joins the same launch.
  const running = launches.get(options.home);
  if (running !== undefined) return running;
  const launch = spawnAndWait(options);
  launches.set(options.home, launch);
  return launch;
}

const launches = new Map<string, Promise<void>>();

/** True when this process started (or is starting) a daemon for `home`. */
export function launchedHere(home: string): boolean {
  return launches.has(home);
}

async function spawnAndWait(options: LaunchOptions): Promise<void> {
  const cmd = daemonCommand();
  const args = [...cmd.args, '--home', options.home, '--workspace', options.workspace, '--ephemeral'];
  if (options.gracePeriodSeconds !== undefined)
    args.push('--grace-period', String(options.gracePeriodSeconds));
  const child = spawn(cmd.node, args, {
    env: { ...options.env } as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk;
  });
  try {
    await waitReady(child, options.home, options.timeoutMs ?? 15_000, () => stderr);
  } finally {
    // The daemon writes its logs under $ASTRID_HOME/logs; past start-up nobody reads its
    // stderr, and this process must be able to exit while it keeps running.
    child.stderr?.destroy();
    child.unref();
  }
}

async function waitReady(
  child: ChildProcess,
  home: string,
  timeoutMs: number,
  stderr: () => string,
): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = signal ?? String(code);
  });
  child.once('error', (err) => {
    exited = err.message;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      const said = stderr().trim().split('\n').filter(Boolean).pop();
      throw new CliError(`astridd could not start (exit ${exited})${said === undefined ? '' : `: ${said}`}`);
    }
    // A daemon.json left by a crashed daemon names another pid: wait for this child's own.
    if ((await daemonPid(home)) === child.pid) return;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new CliError(`astridd did not become ready within ${Math.round(timeoutMs / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The pid in `<home>/daemon.json`, if the file is there and names one. */
async function daemonPid(home: string): Promise<number | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(home, 'daemon.json'), 'utf8'));
    const pid = typeof parsed === 'object' && parsed !== null ? (parsed as { pid?: unknown }).pid : undefined;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined; // absent, or being written
  }
}
