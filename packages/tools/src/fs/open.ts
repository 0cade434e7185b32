import { constants, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { SensitiveAction } from '@astrid/core';
import type { BoundaryOp } from '@astrid/workspace';
import { errnoCode, ToolError } from '../errors.js';
import type { ToolContext } from '../tool.js';

/** An opened, verified descriptor: it is the file or directory that was authorized. */
export interface VerifiedHandle {
  readonly handle: FileHandle;
  readonly stat: Stats;
}

/** Options for {@link openVerified}. */
export interface OpenOptions {
  readonly op: BoundaryOp;
  readonly kind: 'file' | 'directory';
  /** Re-run the admin policy on this action once the descriptor is verified. */
  readonly policy?: SensitiveAction;
}

// O_NONBLOCK: opening a FIFO for reading would otherwise block until a writer appears
// (a hang an agent could plant); the type check below refuses it right after.
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * The execution-time re-check. Approval may come hours after the decision, so the path
 * is opened again without following a final symlink (`O_NOFOLLOW`), the kernel is asked
 * which file the descriptor really is (`/proc/self/fd/N`), and that must be exactly the
 * real path that was authorized and not on the `never_allow` list; then the admin policy
 * runs again. Everything after this works on the descriptor, never on the path.
 */
export async function openVerified(
  ctx: ToolContext,
  path: string,
  options: OpenOptions,
): Promise<VerifiedHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, options.kind === 'file' ? FILE_FLAGS : DIR_FLAGS);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ELOOP') {
      throw new ToolError(`${path} became a symbolic link after it was approved; refused`);
    }
    if (code === 'ENOTDIR' && options.kind === 'directory') throw new ToolError(`${path} is not a directory`);
    throw err;
  }
  try {
    // The three checks are independent reads of the descriptor and the policy, so they run
    // together (one round trip instead of three); every one must pass, and their failures are
    // reported in this order, as if they had run one after another.
    const [stated, rechecked, policy] = await Promise.allSettled([
      handle.stat(),
      ctx.boundary.recheckOpened(handle.fd, options.op),
      options.policy === undefined
        ? Promise.resolve()
        : ctx.recheckPolicy(options.policy, { locationVerified: true }),
    ]);
    const stat = settledValue(stated);
    if (options.kind === 'file' && !stat.isFile()) {
      throw new ToolError(
        stat.isDirectory()
          ? `${path} is a directory (use list_directory, glob or grep)`
          : `${path} is not a regular file; refused`,
      );
    }
    if (options.kind === 'directory' && !stat.isDirectory())
      throw new ToolError(`${path} is not a directory`);
    const now = settledValue(rechecked);
    if (now.kind === 'never') throw new ToolError(`${now.realPath} is never allowed (${now.rule})`);
    if (now.realPath !== path) {
      throw new ToolError(`${path} was replaced after it was approved (it is now ${now.realPath}); refused`);
    }
    settledValue(policy);
    return { handle, stat };
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
}

function settledValue<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

/** The path of a name inside an open directory: resolved by the kernel relative to the descriptor. */
export function inDirectory(dir: FileHandle, name: string): string {
  // /proc/self/fd/N is the directory the descriptor refers to, even if it was renamed or
  // its path now leads elsewhere: this gives openat/renameat semantics from Node.
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/**
 * Reads at most `max` bytes from the start of an open regular file (what `openVerified`
 * gives). Fewer than `max` bytes means the file ended there: a regular file reads short only
 * at its end (libuv retries an interrupted read), so no extra read is made to see 0 bytes.
 */
export async function readHead(handle: FileHandle, max: number): Promise<Buffer> {
  const buf = Buffer.alloc(max);
  let total = 0;
  while (total < max) {
    const want = max - total;
    const { bytesRead } = await handle.read(buf, total, want, total);
    total += bytesRead;
    if (bytesRead < want) break;
  }
  return buf.subarray(0, total);
}

/** Bytes sniffed for binary detection. */
export const BINARY_SNIFF_BYTES = 8192;

/** True when the first 8 KiB hold a NUL byte: the usual sign of a binary file. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}
