import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RpcNotifications } from '@astrid/core';
import { type LlmTestServer, start } from '@astrid/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROCESS_RECORD } from '../src/index.js';
import {
  connect,
  type Daemon,
  type Dirs,
  kill,
  makeDirs,
  removeDirs,
  startDaemon,
  until,
} from './helpers.js';

let dirs: Dirs;
let server: LlmTestServer;
const daemons: Daemon[] = [];
const markers: string[] = [];
beforeEach(async () => {
  dirs = await makeDirs();
  server = await start();
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await kill(d);
  for (const m of markers.splice(0)) for (const pid of sleepers(m)) process.kill(pid, 'SIGKILL');
  await server.close();
  await removeDirs(dirs);
});

/** Host pids of `sleep <marker>` processes, whatever namespace they run in. */
function sleepers(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.split('/').pop() === 'sleep' && argv.includes(marker)) found.push(Number(name));
    } catch {}
  }
  return found;
}

// Alive and not a zombie (a killed orphan may wait for init to reap it).
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

interface RecordFile {
  groups: { pid: number; command: string }[];
}
function readRecord(): RecordFile {
  try {
    return JSON.parse(readFileSync(join(dirs.home, PROCESS_RECORD), 'utf8')) as RecordFile;
  } catch {
    return { groups: [] }; // not written yet
  }
}

async function configure(sandbox: 'none' | 'auto'): Promise<void> {
  await writeFile(
    join(dirs.home, 'config.toml'),
    [
      '[audit]',
      'checkpoint_seconds = 3600',
      '[approval]',
      'countdown_seconds = 0',
      '[model]',
      'provider = "anthropic"',
      `base_url = "${server.url}"`,
      'api_key = "testkit-key"',
      'model = "test-model"',
      '[tools.bash]',
      `sandbox = "${sandbox}"`,
      '',
    ].join('\n'),
  );
}

/** Starts a daemon, has the scripted agent run `command` (approving whatever it asks), and waits for `sleep <marker>`. */
async function runLongCommand(command: string, marker: string): Promise<Daemon> {
  markers.push(marker);
  server.enqueue(
    { text: 'running', toolCalls: [{ name: 'bash', arguments: { command } }] },
    { text: 'done' },
  );
  const daemon = await startDaemon(dirs);
  daemons.push(daemon);
  const client = await connect(dirs);
  client.on('session.event', (n: RpcNotifications['session.event']) => {
    if (n.event.type === 'approval_requested') {
      void client
        .call('approval.respond', { id: n.event.request.id, decision: 'allow_once' })
        .catch(() => {});
    }
  });
  const session = await client.call('session.create', { label: 'leftovers' });
  await client.subscribeSession(session.id);
  await client.call('session.send', { sessionId: session.id, text: 'run it' });
  await until(() => sleepers(marker).length > 0);
  await until(() => readRecord().groups.length > 0);
  return daemon;
}

describe('process groups left by a SIGKILLed astridd', () => {
  it('unsandboxed, a sleep that cut its lifeline survives the SIGKILL; the next start kills it, logs it and clears the record', async () => {
    await configure('none');
    const marker = '1000.424242';
    // The command kills its own lifeline watcher (a child of its shell), then becomes the sleep.
    const first = await runLongCommand(`pkill -KILL -P $$; exec sleep ${marker}`, marker);
    const recorded = readRecord().groups;
    expect(recorded.map((g) => g.command)).toEqual(['bash: pkill']);
    first.child.kill('SIGKILL');
    await first.exited;
    // Nothing else would ever end it.
    await new Promise((r) => setTimeout(r, 300));
    expect(sleepers(marker)).toHaveLength(1);

    const second = await startDaemon(dirs);
    daemons.push(second);
    await until(() => sleepers(marker).length === 0);
    for (const g of recorded) expect(alive(g.pid)).toBe(false);
    expect(second.stderr).toContain(
      `killed 1 process group(s) left by a previous run: ${recorded[0]?.pid} (bash: pkill)`,
    );
    expect(readRecord().groups).toEqual([]);
  }, 60_000);

  it('in the sandbox, the sleep dies with its daemon (lifeline, --die-with-parent); after the restart no recorded process is alive', async () => {
    await configure('auto');
    const marker = '1000.434343';
    const first = await runLongCommand(`sleep ${marker}`, marker);
    const recorded = readRecord().groups;
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await startDaemon(dirs);
    daemons.push(second);
    await until(() => sleepers(marker).length === 0);
    for (const g of recorded) expect(alive(g.pid)).toBe(false);
    expect(readRecord().groups).toEqual([]);
  }, 60_000);
});
