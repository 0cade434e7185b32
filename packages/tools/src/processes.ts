import type { ChildProcess } from 'node:child_process';
import {
  processIdentity,
  type RecordedGroup,
  type SweepReport,
  sweepProcessRecord,
  writeProcessRecord,
} from './process-record.js';

/**
 * Every process group a tool started, so that the kill switch (#6) and cancellation can end
 * them all. Each tracked child leads its own process group (spawned `detached`), and
 * killing means SIGKILL to the whole group: the shell and everything it started that did
 * not leave the group (a `setsid` escapes it; the sandbox of #5 is what contains those).
 *
 * With {@link recordTo}, every group is also written to a small file, so that the next
 * daemon start can kill what a crashed run left behind.
 */
export class ProcessTracker {
  readonly #groups = new Map<number, ChildProcess>();
  readonly #recorded = new Map<number, RecordedGroup>();
  #recordPath: string | undefined;
  #onRecordError: ((err: Error) => void) | undefined;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;

  /**
   * Sweeps the record a previous run left at `path` ({@link sweepProcessRecord}: kills each
   * recorded group still alive with the same start time), then records every group started
   * from now on there (0600, written atomically on each change). The daemon calls this once
   * at start, before any command can run. `onError` hears of a failed record write (the
   * processes run regardless).
   */
  async recordTo(path: string, onError?: (err: Error) => void): Promise<SweepReport> {
    if (this.#recordPath !== undefined) throw new Error(`already recording to ${this.#recordPath}`);
    const report = await sweepProcessRecord(path);
    this.#recordPath = path;
    this.#onRecordError = onError;
    if (this.#recorded.size > 0) this.#scheduleWrite();
    return report;
  }

  /** Starts tracking a child spawned with `detached: true` (its pid is its process group id). */
  track(child: ChildProcess, command = 'process'): void {
    if (child.pid === undefined) return;
    this.#groups.set(child.pid, child);
    // Read at once: the start time is what later tells this process from a reuse of its pid.
    const identity = processIdentity(child.pid);
    if (identity === undefined) return;
    this.#recorded.set(child.pid, {
      pid: child.pid,
      pgid: child.pid,
      startTime: identity.startTime,
      command,
    });
    this.#scheduleWrite();
  }

  /** Stops tracking a group (after it has been reaped and killed). */
  untrack(pid: number | undefined): void {
    if (pid === undefined) return;
    this.#groups.delete(pid);
    if (this.#recorded.delete(pid)) this.#scheduleWrite();
  }

  /** SIGKILLs one process group; false if it no longer exists. */
  killGroup(pid: number): boolean {
    try {
      process.kill(-pid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  }

  /** The kill switch: SIGKILLs every tracked process group. Returns how many were signalled. */
  killAll(): number {
    let killed = 0;
    for (const pid of [...this.#groups.keys()]) {
      if (this.killGroup(pid)) killed++;
    }
    return killed;
  }

  /** Process group ids currently tracked. */
  pids(): number[] {
    return [...this.#groups.keys()];
  }

  /** How many groups are tracked. */
  get size(): number {
    return this.#groups.size;
  }

  /** Resolves when the record file reflects every change made so far. */
  async flush(): Promise<void> {
    while (this.#dirty) await this.#writing;
    await this.#writing;
  }

  // One write at a time, each of the latest state: a burst of changes costs at most two writes.
  #scheduleWrite(): void {
    const path = this.#recordPath;
    if (path === undefined) return;
    if (this.#dirty) return;
    this.#dirty = true;
    this.#writing = this.#writing.then(async () => {
      this.#dirty = false;
      try {
        await writeProcessRecord(path, [...this.#recorded.values()]);
      } catch (err) {
        this.#onRecordError?.(err as Error);
      }
    });
  }
}
