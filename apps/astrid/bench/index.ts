// cli-command: ms for `astrid sessions list --json` end to end (spawn the built CLI, find
// the daemon through daemon.json, verify its signed hello, one call, print, exit) against a
// running daemon. cli-first-prompt: ms from spawning `astrid chat` in a pseudo-terminal
// (util-linux `script`) on a data dir with no daemon running to the REPL's prompt being
// drawn; that includes starting the ephemeral daemon (first start: key and database created).
// Floor for both: spawning `node -e 0` to its exit, interleaved in the same run.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { report } from '@astrid/benchkit';
import { readDaemonInfo } from '@astrid/client';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cliMain = join(repo, 'apps/astrid/dist/bin/main.js'); // the bundled bin, as installed
const daemonMain = join(repo, 'apps/astridd/dist/bin/main.js');
// Build the binaries and everything they reference, as a release would.
const built = spawnSync(
  process.execPath,
  [join(repo, 'node_modules/typescript/bin/tsc'), '-b', 'apps/astrid', 'apps/astridd'],
  { cwd: repo, stdio: 'inherit' },
);
if (built.status !== 0) throw new Error('tsc -b apps/astrid apps/astridd failed');
for (const app of ['astrid', 'astridd']) {
  const bundled = spawnSync(process.execPath, ['scripts/bundle.mjs'], {
    cwd: join(repo, 'apps', app),
    stdio: 'inherit',
  });
  if (bundled.status !== 0) throw new Error(`bundling the ${app} bin failed`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const code = await exited(spawn(process.execPath, args, { env, stdio: 'ignore' }));
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`);
  return ms;
}

async function dirs(): Promise<{ root: string; home: string; ws: string; env: NodeJS.ProcessEnv }> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-bench-'));
  const home = join(root, 'data');
  const ws = join(root, 'ws');
  await mkdir(ws);
  await mkdir(home, { mode: 0o700 });
  return { root, home, ws, env: { PATH: process.env.PATH ?? '', HOME: root, ASTRID_HOME: home } };
}

async function cliCommand(): Promise<void> {
  const d = await dirs();
  const daemon = spawn(process.execPath, [daemonMain, '--home', d.home, '--workspace', d.ws], {
    env: d.env,
    stdio: 'ignore',
  });
  while ((await readDaemonInfo(d.home)) === undefined) await new Promise((r) => setTimeout(r, 20));
  const ours: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < 2; i++) await timed([cliMain, 'sessions', 'list', '--json'], d.env); // warm the page cache
  for (let i = 0; i < 15; i++) {
    ours.push(await timed([cliMain, 'sessions', 'list', '--json'], d.env));
    floor.push(await timed(['-e', '0'], d.env));
  }
  daemon.kill('SIGTERM');
  await exited(daemon);
  await rm(d.root, { recursive: true, force: true });
  report({ name: 'cli-command', value: median(ours), unit: 'ms', floor: median(floor) });
}

/** Spawns `astrid chat` in a pty on a fresh data dir; resolves with ms to the prompt. */
async function firstPrompt(): Promise<number> {
  const d = await dirs();
  const start = performance.now();
  // util-linux `script` gives the chat a real terminal (ink renders only to a TTY).
  const child = spawn('script', ['-qfec', `stty cols 120 rows 40; exec node ${cliMain} chat`, '/dev/null'], {
    cwd: d.ws,
    env: { ...d.env, TERM: 'xterm-256color' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let out = '';
  const ms = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      // The status line is drawn with the prompt, once the session exists.
      if (out.includes('›') && out.includes('/help')) resolve(performance.now() - start);
    });
    child.once('exit', () => reject(new Error(`astrid chat exited before its prompt:\n${out}`)));
  });
  child.stdin?.write('/quit\r');
  await exited(child).catch(() => undefined);
  // The ephemeral daemon it started lingers for its grace period: stop it.
  const info = await readDaemonInfo(d.home);
  if (info !== undefined) {
    process.kill(info.pid, 'SIGTERM');
    while ((await readDaemonInfo(d.home)) !== undefined) await new Promise((r) => setTimeout(r, 20));
  }
  await rm(d.root, { recursive: true, force: true });
  return ms;
}

async function cliFirstPrompt(): Promise<void> {
  const ours: number[] = [];
  const floor: number[] = [];
  await firstPrompt(); // warm the page cache
  for (let i = 0; i < 7; i++) {
    ours.push(await firstPrompt());
    floor.push(await timed(['-e', '0'], { PATH: process.env.PATH ?? '' }));
  }
  report({ name: 'cli-first-prompt', value: median(ours), unit: 'ms', floor: median(floor) });
}

await cliFirstPrompt();
await cliCommand();
