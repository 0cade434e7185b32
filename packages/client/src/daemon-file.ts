import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { AstridError } from '@astrid/core';
import { z } from 'zod';

/** What `astridd` writes to `$ASTRID_HOME/daemon.json` (0600) at every start. */
export const DaemonInfoSchema = z.strictObject({
  socket: z.string().min(1).optional(),
  url: z
    .string()
    .regex(/^wss?:\/\//)
    .optional(),
  token: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex characters (256 bits)'),
  pid: z.number().int().positive(),
});
export type DaemonInfo = z.infer<typeof DaemonInfoSchema>;

/** The name of the file, in the data dir. */
export const DAEMON_FILE = 'daemon.json';

/** The data dir: `$ASTRID_HOME` when set (made absolute), else `~/.astrid`. */
export function resolveDataDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.ASTRID_HOME;
  if (fromEnv !== undefined && fromEnv !== '') return isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv);
  return join(homedir(), '.astrid');
}

/**
 * Reads and checks `daemon.json`: undefined when there is none (no daemon runs). It holds
 * the bearer token, so a file another user owns or could read or change is refused: it
 * could point the client at an impostor, or its token may have leaked. `uid` is injectable
 * so the ownership check is testable without root.
 */
export async function readDaemonInfo(
  home: string,
  options: { uid?: number } = {},
): Promise<DaemonInfo | undefined> {
  const path = join(home, DAEMON_FILE);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw new AstridError('STORAGE_UNSAFE_HOME', `refusing ${path}: it is a symbolic link`);
    throw err;
  }
  try {
    const st = await handle.stat();
    const uid = options.uid ?? process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw new AstridError(
        'STORAGE_UNSAFE_HOME',
        `refusing ${path}: owned by uid ${st.uid}, not by this user (${uid})`,
      );
    }
    if ((st.mode & 0o077) !== 0) {
      throw new AstridError(
        'STORAGE_UNSAFE_HOME',
        `refusing ${path}: mode ${(st.mode & 0o777).toString(8)} gives group or others access (chmod 600 ${path})`,
      );
    }
    const text = await handle.readFile('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new AstridError('CONFIG_PARSE', `${path} is not JSON`, { cause: err });
    }
    const parsed = DaemonInfoSchema.safeParse(json);
    if (!parsed.success) {
      throw new AstridError(
        'CONFIG_INVALID',
        `${path} is not a daemon file: ${parsed.error.issues[0]?.message}`,
      );
    }
    if (parsed.data.socket === undefined && parsed.data.url === undefined) {
      throw new AstridError('CONFIG_INVALID', `${path} names neither a socket nor a url`);
    }
    return parsed.data;
  } finally {
    await handle.close();
  }
}
