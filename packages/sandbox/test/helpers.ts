import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sandboxCommand } from '../src/command.js';
import type { SandboxRequest } from '../src/types.js';

/**
 * A temp dir for tests whose files must be visible to a sandboxed process unless masked:
 * not under /tmp, which the sandbox replaces with an empty private one (a secret under
 * /tmp would be hidden anyway, and a mask test there would prove nothing).
 */
export async function hostTempDir(prefix: string): Promise<string> {
  await mkdir('/var/tmp', { recursive: true });
  return mkdtemp(join('/var/tmp', prefix));
}

/** What a sandboxed run printed and how it ended. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** Builds the command for `req` with {@link sandboxCommand} and runs it to the end. */
export async function runSandboxed(req: SandboxRequest): Promise<RunResult> {
  const cmd = await sandboxCommand(req);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.file, [...cmd.args], {
      env: { ...cmd.env },
      cwd: cmd.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

/** A unique number-looking argument: `sleep 1000.<digits>` is findable in /proc/<pid>/cmdline. */
export function uniqueSleep(): string {
  return `1000.${BigInt(`0x${randomBytes(6).toString('hex')}`).toString()}`;
}

/** Host pids whose command line contains `marker` (a zombie has an empty one). */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes(marker)) found.push(Number(name));
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

/** An HTTP server on 127.0.0.1 that answers every request with `body`. */
export async function startServer(body: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** The allowlisted environment the tests give sandboxed processes. */
export function testEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
}
