import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, rename, unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { SensitiveAction } from '@astrid/core';
import { blake3Hex } from '@astrid/crypto';
import { realPathOfFd } from '@astrid/workspace';
import { errnoCode, StaleBaseError, ToolError } from '../errors.js';
import { splitPath } from '../paths.js';
import type { ToolContext } from '../tool.js';
import { baseOfHandle } from './base.js';
import { inDirectory, openVerified } from './open.js';

/** What to write, and what the approval was computed from. */
export interface AtomicWriteRequest {
  /** The authorized real path. */
  readonly path: string;
  readonly content: Buffer;
  /** BLAKE3 hex of the file the approved diff was computed from; null: it did not exist. */
  readonly baseHash: string | null;
  /** The authorized action, re-judged by the policy just before the rename. */
  readonly action: SensitiveAction;
}

/** What the write did. */
export interface AtomicWriteResult {
  readonly created: boolean;
  /** Directories created on the way, outermost first. */
  readonly createdDirs: readonly string[];
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const TARGET_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Opens the parent directory of the authorized path as a verified descriptor, creating
 * missing directories one at a time. Each one is created relative to its verified parent
 * descriptor, opened without following links, and must be inside the workspace: a write
 * approved outside the workspace never creates directories there.
 */
async function openParent(ctx: ToolContext, dir: string, created: string[]): Promise<FileHandle> {
  const missing: string[] = [];
  let existing = dir;
  let handle: FileHandle | undefined;
  while (handle === undefined) {
    try {
      handle = (await openVerified(ctx, existing, { op: 'write', kind: 'directory' })).handle;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' || existing === '/') throw err;
      missing.unshift(posix.basename(existing));
      existing = posix.dirname(existing);
    }
  }
  let current = existing;
  try {
    for (const name of missing) {
      const next = posix.join(current, name);
      if (ctx.boundary.checkReal(next, 'write').kind !== 'inside') {
        throw new ToolError(`will not create the directory ${next}: it is outside the workspace`);
      }
      try {
        await mkdir(inDirectory(handle, name), 0o777);
        created.push(next);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
      }
      const child = await open(inDirectory(handle, name), DIR_FLAGS);
      await handle.close();
      handle = child;
      // The name was ours a moment ago; make sure it still is the directory we made.
      if ((await realPathOfFd(handle.fd)) !== next) throw new ToolError(`${next} was replaced while created`);
      current = next;
    }
    return handle;
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
}

/** The current file at `name` in `parent`, checked to be a plain, singly-linked regular file. */
async function currentBase(parent: FileHandle, name: string, path: string) {
  let target: FileHandle;
  try {
    target = await open(inDirectory(parent, name), TARGET_FLAGS);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return { exists: false as const, hash: null };
    if (code === 'ELOOP') throw new ToolError(`${path} is a symbolic link; refused`);
    throw err;
  }
  try {
    const stat = await target.stat();
    if (!stat.isFile()) throw new ToolError(`${path} is not a regular file; refused`);
    // Another name for the same inode may live outside the workspace. A rename would not
    // write through it, but it would silently split the two names: refuse and say why.
    if (stat.nlink > 1) {
      throw new ToolError(
        `${path} has ${stat.nlink} hard links (another name for it may be outside the workspace); ` +
          'refusing to replace it. Remove the extra links or copy the file first.',
      );
    }
    return await baseOfHandle(target, path);
  } finally {
    await target.close();
  }
}

/**
 * Writes `content` to the authorized path atomically: a temporary file in the re-verified
 * parent directory, synced, then renamed over the target. Every name is resolved relative
 * to the parent's descriptor, so a parent swapped for a symlink after the check cannot
 * redirect the write. The current file must still hash to `baseHash` (the file the approved
 * diff was computed from), otherwise {@link StaleBaseError} and nothing is written.
 */
export async function atomicWrite(ctx: ToolContext, req: AtomicWriteRequest): Promise<AtomicWriteResult> {
  if (req.action.kind !== 'file_write' || req.action.path !== req.path) {
    throw new ToolError('internal: the write does not match its action');
  }
  if (req.action.contentHash !== undefined && req.action.contentHash !== blake3Hex(req.content)) {
    throw new ToolError('internal: the content differs from the approved content');
  }
  const now = ctx.boundary.checkReal(req.path, 'write');
  if (now.kind === 'never') throw new ToolError(`${req.path} is never allowed (${now.rule})`);
  const { dir, name } = splitPath(req.path);
  const createdDirs: string[] = [];
  const parent = await openParent(ctx, dir, createdDirs);
  try {
    const base = await currentBase(parent, name, req.path);
    if (base.hash !== req.baseHash) throw new StaleBaseError(req.path, req.baseHash, base.hash);
    const temp = `.astrid-${randomBytes(8).toString('hex')}.tmp`;
    const mode = base.exists ? base.mode : 0o666;
    const out = await open(inDirectory(parent, temp), TEMP_FLAGS, mode);
    try {
      try {
        await out.writeFile(req.content);
        if (base.exists) await out.chmod(mode);
        await out.sync();
      } finally {
        await out.close();
      }
      await ctx.recheckPolicy(req.action);
      await rename(inDirectory(parent, temp), inDirectory(parent, name));
    } catch (err) {
      await unlink(inDirectory(parent, temp)).catch(() => {});
      throw err;
    }
    await parent.sync().catch(() => {});
    return { created: !base.exists, createdDirs };
  } finally {
    await parent.close();
  }
}
