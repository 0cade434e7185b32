import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run } from '../src/index.js';

// The same approach as astridd's own tests: the daemon runs from its TypeScript source under
// tsx, on a temp data dir and workspace, with the offline demo provider (no model configured).
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ASTRIDD = fileURLToPath(new URL('../node_modules/@astrid/astridd/src/main.ts', import.meta.url));
/** The CLI's own bin entry, for the test that runs it as a process. */
export const CLI_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
export { TSX_LOADER };

/** Temp dirs: data dir, workspace, fake user home. */
export interface Dirs {
  readonly root: string;
  readonly home: string;
  readonly ws: string;
  readonly userHome: string;
}

/** Fresh temp dirs with a config that keeps checkpoints and countdowns out of the way. */
export async function makeDirs(): Promise<Dirs> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-'));
  const dirs = { root, home: join(root, 'data'), ws: join(root, 'ws'), userHome: join(root, 'user') };
  await mkdir(dirs.ws);
  await mkdir(dirs.userHome);
  await mkdir(dirs.home, { mode: 0o700 });
  await writeFile(join(dirs.ws, 'README.md'), '# demo workspace\n');
  await writeFile(
    join(dirs.home, 'config.toml'),
    '[audit]\ncheckpoint_seconds = 3600\n\n[approval]\ncountdown_seconds = 0\n',
  );
  return dirs;
}

export async function removeDirs(dirs: Dirs): Promise<void> {
  await rm(dirs.root, { recursive: true, force: true });
}

/** A spawned astridd. */
export interface Daemon {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | string>;
}

/** Spawns astridd from source and waits until it says it is ready. */
export async function startDaemon(dirs: Dirs): Promise<Daemon> {
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, '--conditions=source', ASTRIDD, '--home', dirs.home, '--workspace', dirs.ws],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dirs.userHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const d: Daemon = {
    child,
    stdout: '',
    stderr: '',
    exited: once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string),
  };
  child.stdout?.on('data', (b: Buffer) => {
    d.stdout += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    d.stderr += b.toString();
  });
  await until(() => {
    if (child.exitCode !== null) throw new Error(`astridd exited ${child.exitCode}: ${d.stderr}`);
    return d.stdout.includes('astridd ready');
  }, 20_000);
  return d;
}

/** Ends a daemon that is still running. */
export async function kill(d: Daemon | undefined): Promise<void> {
  if (d === undefined || d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGKILL');
  await d.exited;
}

/** Resolves when `predicate` holds, polling with a bound. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What one CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process against `dirs.home` (through the environment, as a user would). */
export async function cli(dirs: Dirs, ...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { ASTRID_HOME: dirs.home, HOME: dirs.userHome },
    cwd: dirs.ws,
  });
  return { code, stdout, stderr };
}

/** Runs the CLI and parses its `--json` output, failing on a non-zero exit. */
export async function cliJson<T = Record<string, unknown>>(dirs: Dirs, ...argv: string[]): Promise<T> {
  const r = await cli(dirs, ...argv, '--json');
  if (r.code !== 0) throw new Error(`astrid ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
