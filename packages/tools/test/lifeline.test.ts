import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lifelineArgv } from '@astrid/sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleepers, uniqueSleep } from './helpers/processes.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CHILD = fileURLToPath(new URL('./helpers/die-after-spawn.ts', import.meta.url));

const markers: string[] = [];
afterEach(() => {
  for (const m of markers.splice(0)) for (const pid of sleepers(m)) process.kill(pid, 'SIGKILL');
});

/** Runs the daemon stand-in, which dies right after spawning `sleep <marker>`; returns the marker. */
async function dieRightAfterSpawn(mode: 'bwrap' | 'none', lifeline: 'on' | 'off'): Promise<string> {
  const marker = uniqueSleep();
  markers.push(marker);
  const child = spawn(
    process.execPath,
    ['--import', TSX, '--conditions=source', CHILD, mode, marker, lifeline],
    {
      stdio: 'ignore',
    },
  );
  const [, signal] = await once(child, 'exit');
  expect(signal).toBe('SIGKILL');
  return marker;
}

// Long enough for a sandbox to start and its sleep to appear (it does, without the lifeline).
const settle = (marker: string) => eventually(() => sleepers(marker).length > 0, 700);

describe('the lifeline: a command never outlives its daemon, even one killed right after the spawn', () => {
  for (const mode of ['bwrap', 'none'] as const) {
    it(`${mode}: three SIGKILLs right after the spawn leave no sleep behind`, async () => {
      for (let i = 0; i < 3; i++) {
        const marker = await dieRightAfterSpawn(mode, 'on');
        await settle(marker);
        expect(await eventually(() => sleepers(marker).length === 0, 3000)).toBe(true);
      }
    }, 60_000);
  }

  it('without it, the unsandboxed sleep survives its killed daemon (what the lifeline fixes)', async () => {
    const marker = await dieRightAfterSpawn('none', 'off');
    expect(await settle(marker)).toBe(true);
  }, 30_000);

  it('kills its own sandbox group inside bwrap and only a group it leads outside; never -1', () => {
    const inside = lifelineArgv(['bash', '-c', 'x'], 3, 'bwrap');
    const outside = lifelineArgv(['bash', '-c', 'x'], 3, 'none');
    expect(inside.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(inside.slice(3)).toEqual(['astrid-lifeline', 'bash', '-c', 'x']);
    expect(inside[2]).toContain('kill -s KILL 0 )');
    expect(outside[2]).toContain('kill -s KILL -- -$$ )');
    for (const script of [inside[2], outside[2]]) expect(script).not.toMatch(/kill[^;)]*-1\b/);
  });
});
