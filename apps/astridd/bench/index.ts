// daemon-cold-start: milliseconds from spawning the built `astridd` (dist/bin/main.js, as the
// installed binary runs) on a fresh data dir to a served `daemon.status` through
// AstridClient (daemon.json found, hello verified). The first start of a data dir also
// creates the key and the database; the figure is the median of fresh data dirs. Floor:
// spawning `node` with a script that listens on a Unix socket, to its first answer over it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { report } from '@astrid/benchkit';
import { AstridClient } from '@astrid/client';

const RUNS = 7;
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const main = join(repo, 'apps/astridd/dist/bin/main.js'); // the bundled bin
// Build the binary and everything it references (tsc -b), as a release would.
const built = spawnSync(
  process.execPath,
  [join(repo, 'node_modules/typescript/bin/tsc'), '-b', 'apps/astridd'],
  {
    cwd: repo,
    stdio: 'inherit',
  },
);
if (built.status !== 0) throw new Error('tsc -b apps/astridd failed');
const bundled = spawnSync(process.execPath, ['scripts/bundle.mjs'], {
  cwd: join(repo, 'apps/astridd'),
  stdio: 'inherit',
});
if (bundled.status !== 0) throw new Error('bundling the astridd bin failed');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function coldStart(): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-bench-'));
  const home = join(root, 'data');
  const ws = join(root, 'ws');
  await mkdir(ws);
  await mkdir(home, { mode: 0o700 });
  const start = performance.now();
  const child = spawn(process.execPath, [main, '--home', home, '--workspace', ws], {
    env: { PATH: process.env.PATH ?? '', HOME: root },
    stdio: 'ignore',
  });
  let client: AstridClient | undefined;
  while (client === undefined) {
    client = await AstridClient.connect({ home, reconnect: false }).catch(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return undefined;
    });
  }
  await client.call('daemon.status');
  const ms = performance.now() - start;
  await client.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await rm(root, { recursive: true, force: true });
  return ms;
}

async function floorStart(): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-bench-'));
  const socket = join(root, 'floor.sock');
  const script = join(root, 'floor.mjs');
  await writeFile(
    script,
    `import { createServer } from 'node:http';\ncreateServer((q, s) => s.end('{}')).listen(${JSON.stringify(socket)});\n`,
  );
  const start = performance.now();
  const child = spawn(process.execPath, [script], { stdio: 'ignore' });
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ socketPath: socket, path: '/' }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - start;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await rm(root, { recursive: true, force: true });
  return ms;
}

const values: number[] = [];
const floors: number[] = [];
for (let i = 0; i < RUNS; i++) {
  floors.push(await floorStart());
  values.push(await coldStart());
}
report({ name: 'daemon-cold-start', value: median(values), unit: 'ms', floor: median(floors) });
