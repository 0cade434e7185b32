import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A unique `sleep` duration (`1000.<digits>`): findable in /proc/<pid>/cmdline from the host
 * whatever PID namespace the sleeper runs in (inside the sandbox `$!` is a namespace pid).
 */
export function uniqueSleep(): string {
  return `1000.${BigInt(`0x${randomBytes(6).toString('hex')}`).toString()}`;
}

/**
 * Host pids of `sleep <marker>` processes (not the shell or bwrap whose script mentions the
 * marker; a zombie's command line is empty, so it does not count).
 */
export function sleepers(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.split('/').pop() === 'sleep' && argv.includes(marker)) found.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Polls `check` every 20 ms for up to `ms`. */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 20) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}
