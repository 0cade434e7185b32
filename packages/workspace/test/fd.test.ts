import { mkdir, open, readdir, readlink, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realPathOfFd } from '../src/index.js';
import { makeScratch, type Scratch } from './helpers.js';

let s: Scratch;
beforeEach(async () => {
  s = await makeScratch();
});
afterEach(async () => {
  await s.cleanup();
});

describe('execution-time re-check through /proc/self/fd', () => {
  it('an fd opened inside reports its real path and stays inside', async () => {
    const b = await s.boundary();
    const handle = await open(join(s.ws, 'src', 'file.txt'), 'r');
    try {
      expect(await realPathOfFd(handle.fd)).toBe(join(s.ws, 'src', 'file.txt'));
      expect(await b.recheckOpened(handle.fd, 'read')).toMatchObject({ kind: 'inside' });
    } finally {
      await handle.close();
    }
  });

  it('a file renamed outside after opening is outside on re-check', async () => {
    const b = await s.boundary();
    const path = join(s.ws, 'src', 'file.txt');
    expect((await b.check(path, 'read')).kind).toBe('inside');
    const handle = await open(path, 'r');
    try {
      await rename(path, join(s.outside, 'moved.txt'));
      expect(await b.recheckOpened(handle.fd, 'read')).toEqual({
        kind: 'outside',
        realPath: join(s.outside, 'moved.txt'),
        lexicalPath: join(s.outside, 'moved.txt'),
      });
    } finally {
      await handle.close();
    }
  });

  it('a directory swapped for a symlink between check and open is caught by the fd re-check', async () => {
    const b = await s.boundary();
    await s.file(join(s.ws, 'd', 'f'), 'mine\n');
    await s.file(join(s.outside, 'd', 'f'), 'theirs\n');
    // The check passes on the honest tree...
    expect((await b.check('d/f', 'read')).kind).toBe('inside');
    // ...then the tree changes under us before the tool opens the path.
    await rename(join(s.ws, 'd'), join(s.ws, 'd-orig'));
    await symlink(join(s.outside, 'd'), join(s.ws, 'd'));
    const handle = await open(join(s.ws, 'd', 'f'), 'r');
    try {
      expect(await b.recheckOpened(handle.fd, 'read')).toMatchObject({
        kind: 'outside',
        realPath: join(s.outside, 'd', 'f'),
      });
    } finally {
      await handle.close();
    }
  });

  it('an fd onto a never path is never', async () => {
    const b = await s.boundary();
    const handle = await open(join(s.astridHome, 'daemon.json'), 'r');
    try {
      expect(await b.recheckOpened(handle.fd, 'read')).toMatchObject({ kind: 'never', rule: 'ASTRID_HOME' });
    } finally {
      await handle.close();
    }
  });

  it('strips " (deleted)" only for an unlinked file, not for a file really named so', async () => {
    const gone = join(s.ws, 'gone.txt');
    await writeFile(gone, 'x');
    const named = join(s.ws, 'x (deleted)');
    await writeFile(named, 'y');
    const h1 = await open(gone, 'r');
    const h2 = await open(named, 'r');
    try {
      await unlink(gone);
      expect(await realPathOfFd(h1.fd)).toBe(gone);
      expect(await realPathOfFd(h2.fd)).toBe(named);
    } finally {
      await h1.close();
      await h2.close();
    }
  });

  it('a path target re-runs the full check', async () => {
    const b = await s.boundary();
    await mkdir(join(s.ws, 'later'));
    expect((await b.recheckOpened('later/x', 'write')).kind).toBe('inside');
    await rename(join(s.ws, 'later'), join(s.ws, 'later-orig'));
    await symlink(s.outside, join(s.ws, 'later'));
    expect((await b.recheckOpened('later/x', 'write')).kind).toBe('outside');
  });

  it('refuses a descriptor that is not a file on a path (libuv epoll / pipe / socket)', async () => {
    // Every node process holds such descriptors (libuv's epoll and eventfd), so one exists.
    let nonPath: number | undefined;
    for (const name of await readdir('/proc/self/fd')) {
      const link = await readlink(`/proc/self/fd/${name}`).catch(() => '/');
      if (!link.startsWith('/')) {
        nonPath = Number(name);
        break;
      }
    }
    expect(nonPath).toBeTypeOf('number');
    const err = await realPathOfFd(nonPath as number).catch((e: unknown) => e);
    expect(isAstridError(err, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('fails closed on a bad descriptor and rejects malformed ones', async () => {
    const b = await s.boundary();
    const err = await realPathOfFd(2 ** 30).catch((e: unknown) => e);
    expect(isAstridError(err, 'INVALID_ARGUMENT')).toBe(true);
    await expect(b.recheckOpened(2 ** 30, 'read')).rejects.toBeInstanceOf(Error);
    await expect(realPathOfFd(-1)).rejects.toThrow(RangeError);
    await expect(realPathOfFd(1.5)).rejects.toThrow(RangeError);
    await expect(realPathOfFd('3' as unknown as number)).rejects.toThrow(TypeError);
    await expect(b.recheckOpened({} as unknown as number, 'read')).rejects.toThrow(TypeError);
  });
});
