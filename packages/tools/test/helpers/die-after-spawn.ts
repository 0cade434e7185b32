// Run as a child process by lifeline.test.ts: starts `sleep <marker>` through runShell (in
// bubblewrap or not, as the daemon would) and SIGKILLs itself the instant the spawn
// returned, before bwrap could arm --die-with-parent: the race the lifeline closes.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCommand } from '@astrid/sandbox';
import { runShell } from '../../src/bash/spawn.js';
import { ProcessTracker } from '../../src/processes.js';

const [mode, marker, lifeline] = process.argv.slice(2) as ['bwrap' | 'none', string, 'on' | 'off'];
const ws = mkdtempSync(join('/var/tmp', 'astrid-'));

class DieAfterSpawn extends ProcessTracker {
  override track(child: ChildProcess, command?: string): void {
    super.track(child, command);
    process.kill(process.pid, 'SIGKILL');
  }
}

void runShell({
  command: `sleep ${marker}`,
  timeoutMs: 60_000,
  maxOutputChars: 1000,
  tracker: new DieAfterSpawn(),
  bashPath: '/bin/bash',
  prepare: (argv, fd) =>
    sandboxCommand({
      argv,
      cwd: ws,
      env: { PATH: '/usr/bin:/bin' },
      workspace: ws,
      network: false,
      maskPaths: [],
      mode,
      ...(lifeline === 'on' ? { lifelineFd: fd } : {}),
    }),
});
