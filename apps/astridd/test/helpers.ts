import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AstridClient } from '@astrid/client';

// tsx's ESM loader, resolved from the workspace root's node_modules (as other packages' child tests do).
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Temp dirs: data dir, workspace, fake user home. */
export interface Dirs {
  readonly root: string;
  readonly home: string;
  readonly ws: string;
  readonly userHome: string;
}

export async function makeDirs(): Promise<Dirs> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-'));
  const dirs = { root, home: join(root, 'data'), ws: join(root, 'ws'), userHome: join(root, 'user') };
  await mkdir(dirs.ws);
  await mkdir(dirs.userHome);
  await mkdir(dirs.home, { mode: 0o700 });
  await writeFile(join(dirs.ws, 'README.md'), '# demo workspace\n');
  // No timer checkpoints: the tests see exactly the checkpoints a clean stop writes.
  await writeFile(
    join(dirs.home, 'config.toml'),
    '[audit]\ncheckpoint_seconds = 3600\n\n[approval]\ncountdown_seconds = 0\n',
  );
  return dirs;
}

/** A spawned astridd and what it printed. */
export interface Daemon {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** How tests run astridd: from its TypeScript source under tsx. */
export const FROM_SOURCE: readonly string[] = ['--import', TSX_LOADER, '--conditions=source', MAIN];

/** Spawns astridd (`main`: the node arguments that run it); `env` adds to a minimal environment. */
export function spawnDaemon(
  dirs: Dirs,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  main: readonly string[] = FROM_SOURCE,
): Daemon {
  const child = spawn(process.execPath, [...main, '--home', dirs.home, '--workspace', dirs.ws, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dirs.userHome, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  return d;
}

/** Spawns astridd and waits until it says it is ready. */
export async function startDaemon(
  dirs: Dirs,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  main: readonly string[] = FROM_SOURCE,
): Promise<Daemon> {
  const d = spawnDaemon(dirs, args, env, main);
  const deadline = Date.now() + 20_000;
  while (!d.stdout.includes('astridd ready')) {
    if (d.child.exitCode !== null) throw new Error(`astridd exited ${d.child.exitCode}: ${d.stderr}`);
    if (Date.now() > deadline) throw new Error(`astridd did not start: ${d.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return d;
}

/** Ends a daemon that is still running (tests that did not stop it themselves). */
export async function kill(d: Daemon | undefined): Promise<void> {
  if (d === undefined || d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGKILL');
  await d.exited;
}

/** A verified client of the daemon on `dirs`. */
export function connect(dirs: Dirs): Promise<AstridClient> {
  return AstridClient.connect({ home: dirs.home, reconnect: false, clientName: 'astridd-test' });
}

export async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

export async function removeDirs(dirs: Dirs): Promise<void> {
  await rm(dirs.root, { recursive: true, force: true });
}

/** Resolves when `predicate` holds, polling. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
