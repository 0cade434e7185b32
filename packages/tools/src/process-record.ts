import { promises as fs, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/** One process group a tracker started, as recorded for the next start's sweep. */
export interface RecordedGroup {
  readonly pid: number;
  /** The group id (the tracker's children lead their own group, so it equals `pid`). */
  readonly pgid: number;
  /** `/proc/<pid>/stat` field 22: clock ticks after boot. With the boot id, names one process. */
  readonly startTime: number;
  /** The command's first word, for the log. */
  readonly command: string;
}

const RecordSchema = z.strictObject({
  version: z.literal(1),
  bootId: z.string().max(100),
  groups: z
    .array(
      z.strictObject({
        pid: z.number().int().min(2),
        pgid: z.number().int().min(2),
        startTime: z.number().int().min(0),
        command: z.string().max(200),
      }),
    )
    .max(100_000),
});

/** The kernel's id of this boot: start times are only comparable within one boot. */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/**
 * A live process's group and start time from `/proc/<pid>/stat`, or undefined when it is
 * gone. The command name (field 2) is in parentheses and may itself hold spaces and
 * parentheses, so the fields are counted from the last `)`.
 */
export function processIdentity(pid: number): { pgid: number; startTime: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): field n is fields[n - 3]. A zombie is gone for our purpose.
  const pgid = Number(fields[2]);
  const startTime = Number(fields[19]);
  if (fields[0] === 'Z' || !Number.isSafeInteger(pgid) || !Number.isSafeInteger(startTime)) return undefined;
  return { pgid, startTime };
}

/** What a sweep did with each recorded group. */
export interface SweepReport {
  /** Still alive, same start time and group: SIGKILLed as a group. */
  readonly killed: RecordedGroup[];
  /** The pid is alive but is another process now (pid reuse): left alone. */
  readonly reused: RecordedGroup[];
  /** Set when the record could not be read or was from another boot (then nothing is killed). */
  readonly note?: string;
}

/**
 * Kills what a previous run left: each recorded group whose leader is still alive with
 * the recorded start time and group, in this boot. A pid now used by another process has
 * another start time and is never signalled. (The check and the kill are two system calls:
 * a leader that exits and whose pid is reused in between, within microseconds, is the
 * window Node leaves open, having no pidfd_send_signal.) Leaves the record empty.
 */
export async function sweepProcessRecord(path: string): Promise<SweepReport> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { killed: [], reused: [] };
    throw err;
  }
  const bootId = currentBootId();
  const parsed = RecordSchema.safeParse(safeJson(text));
  const report: { killed: RecordedGroup[]; reused: RecordedGroup[]; note?: string } = {
    killed: [],
    reused: [],
  };
  if (!parsed.success) report.note = `${path} is not a valid process record; nothing was killed`;
  else if (parsed.data.bootId !== bootId || bootId === 'unknown') {
    report.note = 'the process record is from another boot; nothing was killed';
  } else {
    for (const group of parsed.data.groups) {
      const now = processIdentity(group.pid);
      if (now === undefined) continue;
      if (now.startTime !== group.startTime || now.pgid !== group.pgid) {
        report.reused.push(group);
        continue;
      }
      try {
        process.kill(-group.pgid, 'SIGKILL');
        report.killed.push(group);
      } catch {
        // exited in between
      }
    }
  }
  await writeProcessRecord(path, []);
  return report;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Writes the record atomically: a fresh 0600 temp file renamed over it, so a reader (the
 * next start, after a crash at any point) sees the old or the new list, never a part. Not
 * fsynced: after a power loss every recorded process is gone anyway (and the boot id differs).
 */
export async function writeProcessRecord(path: string, groups: readonly RecordedGroup[]): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${process.pid}`;
  await fs.rm(temp, { force: true });
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ version: 1, bootId: currentBootId(), groups })}\n`);
  } finally {
    await handle.close();
  }
  await fs.rename(temp, path);
}
