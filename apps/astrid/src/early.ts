import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { launchEphemeral } from './launch.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The data dir as `@astrid/client`'s `resolveDataDir` computes it, for `--home` or the env. */
export function dataDir(flag: string | undefined, env: Env, cwd: string): string {
  if (flag !== undefined) return isAbsolute(flag) ? flag : resolve(cwd, flag);
  const fromEnv = env.ASTRID_HOME;
  if (fromEnv !== undefined && fromEnv !== '') return isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv);
  return join(homedir(), '.astrid');
}

function optionValue(args: readonly string[], i: number, name: string): { value?: string; skip: number } {
  const arg = args[i] as string;
  if (arg === name) return { value: args[i + 1], skip: 2 };
  if (arg.startsWith(`${name}=`)) return { value: arg.slice(name.length + 1), skip: 1 };
  return { skip: 0 };
}

/**
 * Where `astrid chat` will need a daemon that does not run yet: the data dir and the
 * workspace, read from argv with the few options that matter (`--home`, `--workspace`).
 * Undefined for any other command, for `--help`, or when `daemon.json` exists (the normal
 * connect path decides then). A misread only costs an early start that the chat would have
 * made anyway, or none.
 */
export function chatLaunchTarget(
  argv: readonly string[],
  env: Env,
  cwd: string,
): { home: string; workspace: string } | undefined {
  let home: string | undefined;
  let i = 0;
  for (; i < argv.length; ) {
    const arg = argv[i] as string;
    const h = optionValue(argv, i, '--home');
    if (h.skip > 0) {
      home = h.value;
      i += h.skip;
    } else if (arg === '--debug') i += 1;
    else break;
  }
  if (argv[i] !== 'chat') return undefined;
  let workspace: string | undefined;
  for (let j = i + 1; j < argv.length; j++) {
    const arg = argv[j] as string;
    if (arg === '--help' || arg === '-h') return undefined;
    const w = optionValue(argv, j, '--workspace');
    if (w.skip > 0) workspace = w.value;
  }
  const dir = dataDir(home, env, cwd);
  if (existsSync(join(dir, 'daemon.json'))) return undefined;
  return { home: dir, workspace: resolve(cwd, workspace ?? '.') };
}

/**
 * Starts the ephemeral daemon `astrid chat` will need before the CLI loads its modules, so
 * the two start-ups overlap (see the `cli-first-prompt` benchmark). The chat's own connect
 * joins this launch; its failure is reported there.
 */
export function startEarlyLaunch(argv: readonly string[], env: Env, cwd: string): void {
  const target = chatLaunchTarget(argv, env, cwd);
  if (target === undefined) return;
  launchEphemeral({ home: target.home, workspace: target.workspace, env }).catch(() => undefined);
}
