import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  currentBootId,
  processIdentity,
  sweepProcessRecord,
  writeProcessRecord,
} from '../src/process-record.js';
import { ProcessTracker } from '../src/processes.js';
import { eventually } from './helpers/processes.js';

let dir: string;
let record: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'astrid-'));
  record = join(dir, 'run', 'processes.json');
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** A detached `sleep`, leading its own group, as the bash tool's children do. */
function sleeper(program = 'sleep'): ChildProcess {
  const child = spawn(program, ['1000'], { detached: true, stdio: 'ignore' });
  children.push(child);
  return child;
}

const alive = (pid: number) => processIdentity(pid) !== undefined;
const readRecord = async () =>
  JSON.parse(await readFile(record, 'utf8')) as { bootId: string; groups: unknown[] };

describe('the process record and the startup sweep', () => {
  it('records each tracked group (pid, pgid, start time from /proc, first word) in a 0600 file, and forgets it on untrack', async () => {
    const tracker = new ProcessTracker();
    expect(await tracker.recordTo(record)).toEqual({ killed: [], reused: [] });
    const child = sleeper();
    tracker.track(child, 'bash: sleep');
    await tracker.flush();
    const pid = child.pid as number;
    const start = Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[19]);
    expect(await readRecord()).toEqual({
      version: 1,
      bootId: currentBootId(),
      groups: [{ pid, pgid: pid, startTime: start, command: 'bash: sleep' }],
    });
    expect((await stat(record)).mode & 0o777).toBe(0o600);
    tracker.untrack(pid);
    await tracker.flush();
    expect((await readRecord()).groups).toEqual([]);
  });

  it('at the next start, kills every recorded group still alive with the same start time, and clears the record', async () => {
    const crashed = new ProcessTracker();
    await crashed.recordTo(record);
    const a = sleeper();
    const b = sleeper();
    crashed.track(a, 'bash: a');
    crashed.track(b, 'bash: b');
    await crashed.flush();
    // The "daemon" dies here without untracking anything; a new one starts.
    const report = await new ProcessTracker().recordTo(record);
    expect(report.killed.map((g) => g.pid).sort()).toEqual([a.pid, b.pid].sort());
    expect(await eventually(() => !alive(a.pid as number) && !alive(b.pid as number))).toBe(true);
    expect((await readRecord()).groups).toEqual([]);
  });

  it('a record naming a live process with a different start time (a reused pid) is NOT killed', async () => {
    const unrelated = sleeper();
    const pid = unrelated.pid as number;
    const identity = processIdentity(pid);
    expect(identity).toBeDefined();
    await writeProcessRecord(record, [
      { pid, pgid: pid, startTime: (identity?.startTime ?? 0) - 1, command: 'bash: old' },
    ]);
    const report = await sweepProcessRecord(record);
    expect(report.killed).toEqual([]);
    expect(report.reused.map((g) => g.pid)).toEqual([pid]);
    expect(alive(pid)).toBe(true);
    expect((await readRecord()).groups).toEqual([]);
  });

  it('a record naming a live process that is not its group leader any more is NOT killed', async () => {
    const unrelated = sleeper();
    const pid = unrelated.pid as number;
    const identity = processIdentity(pid);
    await writeProcessRecord(record, [
      { pid, pgid: process.pid, startTime: identity?.startTime ?? 0, command: 'bash: x' },
    ]);
    expect((await sweepProcessRecord(record)).killed).toEqual([]);
    expect(alive(pid)).toBe(true);
  });

  it('kills nothing from a record of another boot, or from a damaged record', async () => {
    const child = sleeper();
    const pid = child.pid as number;
    const start = processIdentity(pid)?.startTime ?? 0;
    await mkdir(join(dir, 'run'));
    await writeFile(
      record,
      JSON.stringify({
        version: 1,
        bootId: 'another-boot',
        groups: [{ pid, pgid: pid, startTime: start, command: 'x' }],
      }),
    );
    expect(await sweepProcessRecord(record)).toMatchObject({
      killed: [],
      note: expect.stringMatching(/another boot/),
    });
    await writeFile(record, '{"version": 1, "groups": "nope"');
    expect(await sweepProcessRecord(record)).toMatchObject({
      killed: [],
      note: expect.stringMatching(/not a valid/),
    });
    expect(alive(pid)).toBe(true);
  });

  it('reads the group and start time of a process whose name holds spaces and parentheses', async () => {
    const odd = join(dir, 'x) 1 2 (y');
    await symlink('/bin/sleep', odd);
    const child = sleeper(odd);
    await once(child, 'spawn');
    expect(await eventually(() => processIdentity(child.pid as number)?.pgid === child.pid)).toBe(true);
    expect(processIdentity(child.pid as number)?.startTime).toBe(
      processIdentity(child.pid as number)?.startTime,
    );
    expect(processIdentity(2 ** 22 + 1)).toBeUndefined();
  });
});
