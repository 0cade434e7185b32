import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { report, usPerAsyncCall } from '@astrid/benchkit';
import { sandboxCommand } from '../src/command.js';
import { defaultMaskPaths, deniedPathMasks } from '../src/masks.js';
import { probeSandbox } from '../src/probe.js';

// `bash -c true` through the sandbox, as the bash tool starts every command (the mounts
// resolved at each call, real masks), against a plain spawn of `bash -c true` in the same run.

function run(file: string, args: readonly string[], env: Record<string, string>, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { env, cwd, stdio: 'ignore', detached: true });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited ${code}`))));
  });
}

const probe = await probeSandbox();
if (!probe.available) throw new Error(`bubblewrap is not usable: ${probe.reason}`);

const ws = await mkdtemp(join(tmpdir(), 'astrid-bench-sandbox-'));
const astridHome = join(ws, '.astrid-home');
await mkdir(astridHome);
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homedir(), LANG: 'C.UTF-8' };
const home = homedir();
const masks = [
  ...defaultMaskPaths({ home, astridHome, uid: process.getuid?.() ?? 0 }),
  ...deniedPathMasks(
    ['/etc/**', '/boot/**', '/sys/**', '/proc/**', '/dev/**', '~/.ssh/**', '~/.gnupg/**', '~/.aws/**'],
    home,
  ).paths,
];
const argv = ['bash', '--noprofile', '--norc', '-c', 'true'];

try {
  const iterations = 30;
  const sandboxed = await usPerAsyncCall(async () => {
    const cmd = await sandboxCommand({
      argv,
      cwd: ws,
      env,
      workspace: ws,
      network: false,
      readOnly: [join(ws, '.git', 'config'), join(ws, '.git', 'hooks'), join(ws, '.astrid')],
      maskPaths: masks,
      mode: 'bwrap',
    });
    await run(cmd.file, cmd.args, { ...cmd.env }, cmd.cwd);
  }, iterations);
  const plain = await usPerAsyncCall(() => run('bash', argv.slice(1), env, ws), iterations);
  report({ name: 'sandbox-spawn', value: sandboxed / 1000, unit: 'ms', floor: plain / 1000 });
} finally {
  await rm(ws, { recursive: true, force: true });
}
