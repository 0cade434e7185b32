import { fstat as fstatCallback, readlink as readlinkCallback } from 'node:fs';
import { promisify } from 'node:util';
import { AstridError } from '@astrid/core';

const fstat = promisify(fstatCallback);
// The callback API: a third of the CPU of fs.promises per call (every execution-time re-check
// makes this call), still on libuv's pool.
const readlink = promisify(readlinkCallback);
const DELETED_SUFFIX = ' (deleted)';

/**
 * The real path of an open file descriptor, as the kernel records it in `/proc/self/fd/N`.
 * This is the execution-time answer to "what did I actually open?": it reflects every
 * symlink and rename that happened between the boundary check and the `open`, which is the
 * race a path check alone cannot close. Linux only; without `/proc` it throws, and the
 * caller must then refuse to proceed (fail closed).
 *
 * A file unlinked after opening shows as `"<path> (deleted)"`; the suffix is stripped only
 * when `fstat` confirms the link count is 0, so a file really named `x (deleted)` keeps it.
 */
export async function realPathOfFd(fd: number): Promise<string> {
  if (typeof fd !== 'number') throw new TypeError(`"fd" expected a number, got ${typeof fd}`);
  if (!Number.isInteger(fd) || fd < 0)
    throw new RangeError(`"fd" expected a non-negative integer, got ${fd}`);
  let link: string;
  try {
    link = await readlink(`/proc/self/fd/${fd}`, 'utf8');
  } catch (err) {
    throw new AstridError('INVALID_ARGUMENT', `cannot read the path of fd ${fd} from /proc/self/fd`, {
      cause: err,
      details: { fd },
    });
  }
  // Pipes, sockets and anonymous inodes read as `pipe:[123]` and the like: not a file path.
  if (!link.startsWith('/')) {
    throw new AstridError('INVALID_ARGUMENT', `fd ${fd} is not a file on a path (${link})`, {
      details: { fd },
    });
  }
  if (link.endsWith(DELETED_SUFFIX)) {
    const st = await fstat(fd);
    if (st.nlink === 0) return link.slice(0, -DELETED_SUFFIX.length);
  }
  return link;
}
