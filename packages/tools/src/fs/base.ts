import type { FileHandle } from 'node:fs/promises';
import { blake3Hex } from '@astrid/crypto';
import { errnoCode, ToolError } from '../errors.js';
import type { ToolContext } from '../tool.js';
import { looksBinary, openVerified, readHead } from './open.js';

/** write_file and edit_file refuse to replace a file larger than this (it is hashed in memory). */
export const MAX_REPLACE_BYTES = 64 * 1024 * 1024;

/** The file a write or edit starts from: what its diff is computed against. */
export type FileBase =
  | { readonly exists: false; readonly hash: null }
  | {
      readonly exists: true;
      /** BLAKE3 hex of the whole current content. */
      readonly hash: string;
      readonly bytes: Buffer;
      readonly binary: boolean;
      readonly mode: number;
    };

/** Reads a whole open file (bounded by {@link MAX_REPLACE_BYTES}). */
export async function readWhole(handle: FileHandle, size: number, path: string): Promise<Buffer> {
  if (size > MAX_REPLACE_BYTES) {
    throw new ToolError(`${path} is larger than ${MAX_REPLACE_BYTES} bytes; refusing to replace it`);
  }
  // One byte more than the size stat reported, to notice a file that grows while read.
  const bytes = await readHead(handle, size + 1);
  if (bytes.length > MAX_REPLACE_BYTES) throw new ToolError(`${path} grew while it was read; try again`);
  return bytes;
}

/** The base of an open file descriptor (content, hash, permission bits). */
export async function baseOfHandle(handle: FileHandle, path: string): Promise<FileBase> {
  const stat = await handle.stat();
  const bytes = await readWhole(handle, stat.size, path);
  return { exists: true, hash: blake3Hex(bytes), bytes, binary: looksBinary(bytes), mode: stat.mode & 0o777 };
}

/**
 * Reads the current content of `realPath` for planning a write (the diff on the approval
 * card). Opened like any execution-time read (no final symlink, descriptor re-checked,
 * policy re-run for a read), so planning never reads a file the agent could not be allowed
 * to read. A missing file is a new file.
 */
export async function readBase(ctx: ToolContext, realPath: string): Promise<FileBase> {
  let opened: Awaited<ReturnType<typeof openVerified>>;
  try {
    opened = await openVerified(ctx, realPath, {
      op: 'read',
      kind: 'file',
      policy: { kind: 'file_read', path: realPath },
    });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { exists: false, hash: null };
    throw err;
  }
  try {
    return await baseOfHandle(opened.handle, realPath);
  } finally {
    await opened.handle.close();
  }
}
