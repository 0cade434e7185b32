import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDaemonInfo } from '@astrid/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, TSX_LOADER, until } from './helpers.js';

// One whole demo chat in a real terminal: tmux runs `astrid chat` (from source) in a pane on
// a fresh data dir with no daemon running; the test types into it with send-keys and reads
// the screen with capture-pane, as a user would see it. tmux is required: .ci/run installs it.
const socket = `astrid-test-${process.pid}`;
let root: string;
let home: string;
let ws: string;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  if (r.error !== undefined)
    throw new Error(`tmux is required for this test (.ci/run installs it): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`tmux ${args[0]} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The visible screen, or with `history` everything since the pane started. */
function screen(history = false): string {
  return tmux('capture-pane', '-p', '-t', 'chat', ...(history ? ['-S', '-'] : []));
}

async function waitScreen(text: string | RegExp, history = false): Promise<string> {
  let last = '';
  try {
    await until(() => {
      last = screen(history);
      return typeof text === 'string' ? last.includes(text) : text.test(last);
    }, 30_000);
  } catch {
    throw new Error(`the screen never showed ${String(text)}; it shows:\n${last}`);
  }
  return last;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'astrid-tmux-'));
  home = join(root, 'data');
  ws = join(root, 'ws');
  await mkdir(ws);
  await mkdir(join(root, 'user'));
  await writeFile(join(ws, 'README.md'), '# a workspace for the tmux test\n');
});

afterAll(async () => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  // The ephemeral daemon lingers for its grace period after the chat left: stop it now.
  const info = await readDaemonInfo(home).catch(() => undefined);
  if (info !== undefined) {
    try {
      process.kill(info.pid, 'SIGTERM');
    } catch {}
    await until(() => {
      try {
        process.kill(info.pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 15_000).catch(() => undefined);
  }
  await rm(root, { recursive: true, force: true });
});

describe('astrid chat in a real terminal (tmux)', () => {
  it('runs the whole demo tour: cards answered with keys, a denial with a reason, policy refusals, /quit', async () => {
    const command = `node --import ${TSX_LOADER} --conditions=source ${CLI_MAIN} chat; echo "EXITED $?"; sleep 120`;
    tmux(
      'new-session',
      '-d',
      '-s',
      'chat',
      '-x',
      '120',
      '-y',
      '45',
      '-c',
      ws,
      '-e',
      `ASTRID_HOME=${home}`,
      '-e',
      `HOME=${join(root, 'user')}`,
      '-e',
      `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`,
      // As on a CI machine (and in a shell that exports it): the REPL must still draw.
      '-e',
      'CI=true',
      command,
    );
    // First run: the config is created, a daemon started, the demo labelled, the prompt drawn.
    let s = await waitScreen(/demo agent \(no model configured\)[\s\S]*›/);
    expect(s).toContain('started an ephemeral daemon');
    expect(s).toContain('ANTHROPIC_API_KEY');
    expect(await readFile(join(home, 'config.toml'), 'utf8')).toMatch(/^# Astrid user config/);

    tmux('send-keys', '-t', 'chat', '-l', 'show me the tour');
    tmux('send-keys', '-t', 'chat', 'Enter');
    // The write: a card with the diff, answered with o.
    s = await waitScreen('+Written by the Astrid demo.');
    expect(s).toContain('Approval needed');
    expect(s).toContain('[o] Allow Once  [s] Allow Session  [a] Allow Always  [d] Deny');
    tmux('send-keys', '-t', 'chat', 'o');
    // The edit: its diff, answered with s (for the rest of the session).
    s = await waitScreen('+This line was edited, with your approval.');
    tmux('send-keys', '-t', 'chat', 's');
    // The delete: denied with a reason that goes back to the agent.
    s = await waitScreen('command: rm astrid-demo.txt');
    tmux('send-keys', '-t', 'chat', 'd');
    await waitScreen('Reason for the agent');
    tmux('send-keys', '-t', 'chat', '-l', 'keep the demo file');
    await waitScreen('keep the demo file');
    tmux('send-keys', '-t', 'chat', 'Enter');
    // sudo and /etc/passwd are refused by policy with no card; then ls asks and runs.
    s = await waitScreen('command: ls -la');
    tmux('send-keys', '-t', 'chat', 'o');
    s = await waitScreen('That is the tour', true);
    expect(s).toMatch(/write_file astrid-demo\.txt\s+done/);
    expect(s).toMatch(/bash rm astrid-demo\.txt\s+denied/);
    expect(s).toContain('keep the demo file');
    expect(s).toMatch(/bash sudo cat \/etc\/shadow\s+denied .*blocked by the admin rule/);
    expect(s).toMatch(/read_file \/etc\/passwd\s+denied/);
    expect(s).toMatch(/bash ls -la\s+done/);
    // What the terminal showed happened on disk: written, edited, not deleted.
    expect(await readFile(join(ws, 'astrid-demo.txt'), 'utf8')).toBe(
      'Written by the Astrid demo.\nThis line was edited, with your approval.\n',
    );
    await waitScreen(/›\s*\n/);
    tmux('send-keys', '-t', 'chat', '-l', '/quit');
    tmux('send-keys', '-t', 'chat', 'Enter');
    await waitScreen('EXITED 0');
  }, 90_000);
});
