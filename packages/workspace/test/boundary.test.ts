import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isAstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SYMLINK_HOPS, type ResolverFs } from '../src/index.js';
import { makeScratch, type Scratch } from './helpers.js';

let s: Scratch;
beforeEach(async () => {
  s = await makeScratch();
});
afterEach(async () => {
  await s.cleanup();
});

describe('WorkspaceBoundary.check: escapes', () => {
  it('symlink inside the workspace pointing at /etc is outside', async () => {
    await s.link(join(s.ws, 'etc-link'), '/etc');
    const b = await s.boundary();
    expect(await b.check('etc-link/passwd', 'read')).toEqual({
      kind: 'outside',
      realPath: '/etc/passwd',
      lexicalPath: join(s.ws, 'etc-link/passwd'),
    });
    expect((await b.check('etc-link', 'list')).kind).toBe('outside');
    expect((await b.check(join(s.ws, 'etc-link', 'new-file'), 'write')).realPath).toBe('/etc/new-file');
  });

  it('a/../../etc/passwd is outside, whether or not a exists', async () => {
    const b = await s.boundary();
    expect(await b.check('a/../../etc/passwd', 'read')).toMatchObject({ kind: 'outside' });
    await mkdir(join(s.ws, 'a'));
    const r = await b.check('a/../../etc/passwd', 'read');
    expect(r).toEqual({
      kind: 'outside',
      realPath: join(s.base, 'etc/passwd'),
      lexicalPath: join(s.base, 'etc/passwd'),
    });
    expect((await b.check('src/../../../../../../../../etc/passwd', 'read')).realPath).toBe('/etc/passwd');
  });

  it('a new file under a symlinked dir pointing outside is outside', async () => {
    await s.link(join(s.ws, 'out'), s.outside);
    const b = await s.boundary();
    expect(await b.check('out/new.txt', 'write')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'new.txt'),
    });
    // Several missing levels below the link still land below the link's target.
    expect(await b.check('out/x/y/z.txt', 'write')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'x/y/z.txt'),
    });
  });

  it('a relative symlink climbing out (../outside) is outside', async () => {
    await s.link(join(s.ws, 'src', 'rel'), '../../outside');
    const b = await s.boundary();
    expect(await b.check('src/rel/secret.txt', 'read')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'secret.txt'),
    });
  });

  it('a dangling symlink is followed for write: creating its target would escape', async () => {
    await s.link(join(s.ws, 'dangle'), join(s.outside, 'not-yet', 'created.txt'));
    const b = await s.boundary();
    expect(await b.check('dangle', 'write')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'not-yet', 'created.txt'),
    });
  });

  it('a dangling relative link whose target climbs back through a symlink is resolved physically', async () => {
    // missing/../out: `missing` does not exist, then `..` returns to a real dir where `out` is a link.
    await s.link(join(s.ws, 'out'), s.outside);
    await s.link(join(s.ws, 'tricky'), 'missing/../out/x.txt');
    const b = await s.boundary();
    expect(await b.check('tricky', 'write')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'x.txt'),
    });
  });

  it('`..` inside a link target applies to the real parent, as in the kernel (not lexically)', async () => {
    // phys -> hop/../secret.txt where hop -> outside/sub: the kernel lands in outside/secret.txt;
    // collapsing the target lexically would wrongly give ws/secret.txt (inside).
    await mkdir(join(s.outside, 'sub'));
    await s.link(join(s.ws, 'hop'), join(s.outside, 'sub'));
    await s.link(join(s.ws, 'phys'), 'hop/../secret.txt');
    // The same through a target that does not exist yet, which the realpath fast path cannot answer.
    await s.link(join(s.ws, 'phys-new'), 'hop/../new.txt');
    const b = await s.boundary();
    expect(await b.check('phys-new', 'write')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'new.txt'),
    });
    expect(await b.check('phys', 'read')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'secret.txt'),
    });
  });

  it('delete removes the link entry itself, unless the path names a directory (trailing /)', async () => {
    await s.link(join(s.ws, 'out'), s.outside);
    const b = await s.boundary();
    expect(await b.check('out', 'delete')).toMatchObject({ kind: 'inside', realPath: join(s.ws, 'out') });
    expect(await b.check('out/', 'delete')).toMatchObject({ kind: 'outside', realPath: s.outside });
    expect(await b.check('out/secret.txt', 'delete')).toMatchObject({ kind: 'outside' });
    expect(await b.check('out', 'read')).toMatchObject({ kind: 'outside' });
  });

  it('a sibling directory sharing the root as a string prefix is outside', async () => {
    await mkdir(`${s.ws}-evil`);
    const b = await s.boundary();
    expect((await b.check(`${s.ws}-evil/x`, 'read')).kind).toBe('outside');
    expect((await b.check('../ws-evil/x', 'read')).kind).toBe('outside');
  });

  it('relative paths resolve against the given cwd', async () => {
    const b = await s.boundary();
    expect(await b.check('../src/file.txt', 'read', { cwd: join(s.ws, 'src') })).toMatchObject({
      kind: 'inside',
      realPath: join(s.ws, 'src/file.txt'),
    });
    expect((await b.check('../../x', 'read', { cwd: join(s.ws, 'src') })).kind).toBe('outside');
    await expect(b.check('x', 'read', { cwd: 'relative/dir' })).rejects.toThrow(RangeError);
  });
});

describe('WorkspaceBoundary.check: inside', () => {
  it('the root itself reached through a symlink is inside, because the root is realpathed', async () => {
    const alias = await s.link(join(s.base, 'ws-alias'), s.ws);
    const b = await s.boundary({}, alias);
    expect(b.root).toBe(s.ws);
    expect(await b.check(join(alias, 'src/file.txt'), 'read')).toMatchObject({
      kind: 'inside',
      realPath: join(s.ws, 'src/file.txt'),
    });
    expect(await b.check(alias, 'list')).toMatchObject({ kind: 'inside', realPath: s.ws });
    expect(await b.check('src/file.txt', 'read')).toMatchObject({ kind: 'inside' });
  });

  it('a link from outside pointing into the workspace is inside (judged by where it lands)', async () => {
    await s.link(join(s.outside, 'in-link'), join(s.ws, 'src'));
    const b = await s.boundary();
    expect(await b.check(join(s.outside, 'in-link', 'file.txt'), 'read')).toMatchObject({
      kind: 'inside',
      realPath: join(s.ws, 'src', 'file.txt'),
    });
  });

  it('links and missing files that stay within the root are inside', async () => {
    await s.link(join(s.ws, 'alias'), 'src');
    const b = await s.boundary();
    expect(await b.check('alias/new/deep.txt', 'write')).toMatchObject({
      kind: 'inside',
      realPath: join(s.ws, 'src/new/deep.txt'),
    });
    expect(await b.check('.', 'list')).toMatchObject({ kind: 'inside', realPath: s.ws });
    // A path through a regular file (ENOTDIR) still names a location below the root.
    expect((await b.check('src/file.txt/x', 'read')).kind).toBe('inside');
  });
});

describe('WorkspaceBoundary.check: ~ paths', () => {
  it('expands ~ and ~/ with the injected home; ~user is refused', async () => {
    const b = await s.boundary();
    expect(await b.check('~', 'list')).toMatchObject({ kind: 'outside', realPath: s.home });
    expect(await b.check('~/notes.txt', 'read')).toMatchObject({
      kind: 'outside',
      realPath: join(s.home, 'notes.txt'),
    });
    const err = await b.check('~root/.bashrc', 'read').catch((e: unknown) => e);
    expect(isAstridError(err, 'INVALID_ARGUMENT')).toBe(true);
    // `~` in the middle of a path is an ordinary name.
    expect(await b.check('src/~/x', 'read')).toMatchObject({
      kind: 'inside',
      realPath: join(s.ws, 'src/~/x'),
    });
  });

  it('a workspace under home is reachable as ~/proj', async () => {
    const proj = join(s.home, 'proj');
    await mkdir(proj);
    const b = await s.boundary({}, '~/proj');
    expect(b.root).toBe(proj);
    expect(await b.check('~/proj/a.txt', 'write')).toMatchObject({
      kind: 'inside',
      realPath: join(proj, 'a.txt'),
    });
    expect((await b.check('~/proj/../other', 'write')).kind).toBe('outside');
  });
});

describe('WorkspaceBoundary.check: malformed input and failures', () => {
  it('rejects NUL bytes and empty paths with INVALID_ARGUMENT, wrong types with TypeError', async () => {
    const b = await s.boundary();
    for (const bad of ['src/file.txt\0.png', '\0', '']) {
      const err = await b.check(bad, 'read').catch((e: unknown) => e);
      expect(isAstridError(err, 'INVALID_ARGUMENT')).toBe(true);
    }
    await expect(b.check(42 as unknown as string, 'read')).rejects.toThrow(TypeError);
    await expect(b.check('x', 'chmod' as unknown as 'read')).rejects.toThrow(RangeError);
  });

  it('a symlink loop is outside (unresolved), never inside', async () => {
    await symlink('loop2', join(s.ws, 'loop1'));
    await symlink('loop1', join(s.ws, 'loop2'));
    await symlink('self', join(s.ws, 'self'));
    const b = await s.boundary();
    expect(await b.check('loop1/x', 'read')).toMatchObject({ kind: 'outside', unresolved: 'symlink_loop' });
    expect(await b.check('self', 'write')).toMatchObject({ kind: 'outside', unresolved: 'symlink_loop' });
    // Deleting the looping entry itself does not follow it, so it is an ordinary inside entry.
    expect(await b.check('self', 'delete')).toMatchObject({ kind: 'inside', realPath: join(s.ws, 'self') });
  });

  it('a chain longer than MAX_SYMLINK_HOPS is a loop; one of exactly that length resolves', async () => {
    const target = join(s.ws, 'src', 'file.txt');
    for (let i = 0; i < MAX_SYMLINK_HOPS + 1; i += 1) {
      await symlink(i === 0 ? target : `c${i - 1}`, join(s.ws, `c${i}`));
    }
    const b = await s.boundary();
    expect(await b.check(`c${MAX_SYMLINK_HOPS - 1}`, 'read')).toMatchObject({
      kind: 'inside',
      realPath: target,
    });
    expect(await b.check(`c${MAX_SYMLINK_HOPS}`, 'read')).toMatchObject({
      kind: 'outside',
      unresolved: 'symlink_loop',
    });
  });

  it('an I/O error while resolving (injected EACCES) is outside, never inside', async () => {
    const real = await import('node:fs/promises');
    const denied = join(s.ws, 'src');
    const faulty: ResolverFs = {
      lstat: async (p) => {
        if (p === denied) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return real.lstat(p);
      },
      readlink: (p) => real.readlink(p, 'utf8'),
    };
    const b = await s.boundary({ fs: faulty });
    expect(await b.check('src/file.txt', 'read')).toMatchObject({ kind: 'outside', unresolved: 'io_error' });
    expect((await b.check('other.txt', 'read')).kind).toBe('inside');
  });

  it('a failing realpath fast path (injected) falls back to the walk with the same answers', async () => {
    await s.link(join(s.ws, 'out'), s.outside);
    await s.link(join(s.ws, 'alias'), 'src');
    const real = await import('node:fs/promises');
    const faulty: ResolverFs = {
      lstat: (p) => real.lstat(p),
      readlink: (p) => real.readlink(p, 'utf8'),
      realpath: async () => {
        throw Object.assign(new Error('EIO'), { code: 'EIO' });
      },
    };
    const b = await s.boundary({ fs: faulty });
    expect(await b.check('alias/file.txt', 'read')).toMatchObject({
      kind: 'inside',
      realPath: join(s.ws, 'src/file.txt'),
    });
    expect(await b.check('out/secret.txt', 'read')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'secret.txt'),
    });
    expect(await b.check('out', 'delete')).toMatchObject({ kind: 'inside', realPath: join(s.ws, 'out') });
  });

  it('an existing path that is read costs one realpath; a missing one still resolves', async () => {
    await s.link(join(s.ws, 'out'), s.outside);
    const real = await import('node:fs/promises');
    const calls: string[] = [];
    const counting: ResolverFs = {
      lstat: (p) => {
        calls.push(`lstat ${p}`);
        return real.lstat(p);
      },
      readlink: (p) => {
        calls.push(`readlink ${p}`);
        return real.readlink(p, 'utf8');
      },
      realpath: (p) => {
        calls.push(`realpath ${p}`);
        return real.realpath(p);
      },
    };
    const b = await s.boundary({ fs: counting });
    calls.length = 0;
    expect(await b.check('src/file.txt', 'read')).toMatchObject({ kind: 'inside' });
    expect(calls).toEqual([`realpath ${join(s.ws, 'src/file.txt')}`]);
    // Through a symlink out: realpath(3) lands outside, as the walk would.
    calls.length = 0;
    expect(await b.check('out/secret.txt', 'read')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'secret.txt'),
    });
    expect(calls).toHaveLength(1);
    // Missing: the realpath fails and the usual resolution answers.
    calls.length = 0;
    expect(await b.check('out/missing.txt', 'read')).toMatchObject({
      kind: 'outside',
      realPath: join(s.outside, 'missing.txt'),
    });
    expect(calls.length).toBeGreaterThan(1);
    // A write does not guess: real parent and entry, asked together.
    calls.length = 0;
    await b.check('src/file.txt', 'write');
    expect(calls.map((c) => c.split(' ')[0]).sort()).toEqual(['lstat', 'realpath']);
  });

  it('a failing readlink (injected) is outside', async () => {
    await s.link(join(s.ws, 'alias'), 'src');
    const real = await import('node:fs/promises');
    const faulty: ResolverFs = {
      lstat: (p) => real.lstat(p),
      readlink: async () => {
        throw Object.assign(new Error('EIO'), { code: 'EIO' });
      },
    };
    const b = await s.boundary({ fs: faulty });
    expect(await b.check('alias/file.txt', 'read')).toMatchObject({
      kind: 'outside',
      unresolved: 'io_error',
    });
  });
});

describe('WorkspaceBoundary.checkReal', () => {
  it('classifies canonical absolute paths without touching the filesystem', async () => {
    const b = await s.boundary();
    expect(b.checkReal(join(s.ws, 'nope/missing'), 'read').kind).toBe('inside');
    expect(b.checkReal(s.outside, 'read').kind).toBe('outside');
    expect(b.checkReal(join(s.astridHome, 'daemon.json'), 'read')).toMatchObject({
      kind: 'never',
      rule: 'ASTRID_HOME',
    });
  });

  it('refuses non-canonical input: relative, .., trailing slash, NUL', async () => {
    const b = await s.boundary();
    for (const bad of ['rel', `${s.ws}/../etc`, `${s.ws}/`, `${s.ws}/./x`, `${s.ws}//x`, `${s.ws}/x\0`]) {
      expect(() => b.checkReal(bad, 'read')).toThrow(RangeError);
    }
  });
});
