import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** A second daemon on the same data dir: exit non-zero, naming the running one. */
export class DaemonRunningError extends Error {
  override readonly name = 'DaemonRunningError';
  constructor(
    readonly home: string,
    readonly pid: number,
  ) {
    super(`another astridd (pid ${pid}) is running on ${home}`);
  }
}

/** The held lock; `release` removes the file if it is still ours. */
export interface DaemonLock {
  readonly path: string;
  release(): Promise<void>;
}

/** True if a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await fs.readFile(path, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Takes `<home>/run/astridd.lock` (created exclusively, holding our pid). If it exists and
 * names a live process, throws DaemonRunningError naming it; if that process is gone (a
 * crash, SIGKILL), the stale lock is taken over. This lock gives the friendly message; the
 * hard guarantee is LevelDB's own lock on the database, which a second process cannot take
 * even if it raced past this file. A pid reused by an unrelated process after a crash
 * looks alive: the message names it, and removing the file is the fix.
 */
export async function acquireDaemonLock(home: string, pid = process.pid): Promise<DaemonLock> {
  const dir = join(home, 'run');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const path = join(dir, 'astridd.lock');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await fs.open(path, 'wx', 0o600);
      await handle.writeFile(`${pid}\n`);
      await handle.sync();
      await handle.close();
      return {
        path,
        release: async () => {
          if ((await readPid(path)) === pid) await fs.rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readPid(path);
    if (holder !== undefined && holder !== pid && processAlive(holder))
      throw new DaemonRunningError(home, holder);
    // Stale (dead pid, or an empty file from a crash during creation): taken over. Two
    // daemons taking over at the same instant are settled by the database lock.
    await fs.rename(path, `${path}.stale-${pid}`).catch(() => undefined);
    await fs.rm(`${path}.stale-${pid}`, { force: true });
  }
  throw new Error(`could not take ${path}: it keeps changing`);
}
