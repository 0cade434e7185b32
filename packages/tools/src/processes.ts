import type { ChildProcess } from 'node:child_process';

/**
 * Every process group a tool started, so that the kill switch (#6) and cancellation can end
 * them all. Each tracked child leads its own process group (spawned `detached`), and
 * killing means SIGKILL to the whole group: the shell and everything it started that did
 * not leave the group (a `setsid` escapes it; the sandbox of #5 is what contains those).
 */
export class ProcessTracker {
  readonly #groups = new Map<number, ChildProcess>();

  /** Starts tracking a child spawned with `detached: true` (its pid is its process group id). */
  track(child: ChildProcess): void {
    if (child.pid === undefined) return;
    this.#groups.set(child.pid, child);
  }

  /** Stops tracking a group (after it has been reaped and killed). */
  untrack(pid: number | undefined): void {
    if (pid !== undefined) this.#groups.delete(pid);
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
}
