import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { AstridError } from '@astrid/core';

/** The data dir: `$ASTRID_HOME` when set (made absolute), else `~/.astrid`. */
export function resolveAstridHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.ASTRID_HOME;
  if (fromEnv !== undefined && fromEnv !== '') return isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv);
  return join(homedir(), '.astrid');
}

/**
 * Creates the data dir (0700) if missing and refuses one that another user could tamper
 * with: owned by a different user, or writable by group or others. Keys, the audit log
 * and the daemon token live here, so a loose data dir is a way in.
 */
export async function ensureSafeHome(home: string, options: { uid?: number } = {}): Promise<void> {
  try {
    await fs.mkdir(home, { recursive: true, mode: 0o700 });
  } catch (err) {
    // EEXIST: the path is a file; ENOTDIR: a parent is. Both are reported as unsafe below
    // or here, with the data dir named, rather than as a bare errno.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') {
      throw new AstridError('STORAGE_UNSAFE_HOME', `data dir ${home} is not a directory`, { cause: err });
    }
    if (code !== 'EEXIST') throw err;
  }
  const st = await fs.stat(home);
  if (!st.isDirectory()) throw new AstridError('STORAGE_UNSAFE_HOME', `data dir ${home} is not a directory`);
  // `uid` is injectable so the ownership check is tested without root or chown.
  const uid = options.uid ?? process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new AstridError(
      'STORAGE_UNSAFE_HOME',
      `refusing data dir ${home}: it is owned by uid ${st.uid}, not by this user (${uid})`,
    );
  }
  if ((st.mode & 0o022) !== 0) {
    throw new AstridError(
      'STORAGE_UNSAFE_HOME',
      `refusing data dir ${home}: mode ${(st.mode & 0o777).toString(8)} lets group or others write to it (chmod 700 ${home})`,
    );
  }
}
