import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RootRefusal, WorkspaceBoundary } from '../src/index.js';
import { makeScratch, type Scratch } from './helpers.js';

let s: Scratch;
beforeEach(async () => {
  s = await makeScratch();
});
afterEach(async () => {
  await s.cleanup();
});

async function refusal(p: Promise<unknown>): Promise<RootRefusal | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AstridError);
  const e = err as AstridError;
  expect(e.code).toBe('WORKSPACE_INVALID');
  return e.details?.reason as RootRefusal | undefined;
}

describe('WorkspaceBoundary.create: root refusal', () => {
  it('refuses the filesystem root', async () => {
    expect(await refusal(s.boundary({}, '/'))).toBe('root_is_filesystem_root');
    expect(await refusal(s.boundary({}, '/tmp/..'))).toBe('root_is_filesystem_root');
  });

  it('refuses the home directory, spelled directly, as ~, or through a symlink', async () => {
    expect(await refusal(s.boundary({}, s.home))).toBe('root_contains_home');
    expect(await refusal(s.boundary({}, '~'))).toBe('root_contains_home');
    expect(await refusal(s.boundary({}, '~/'))).toBe('root_contains_home');
    const alias = await s.link(join(s.base, 'home-alias'), s.home);
    expect(await refusal(s.boundary({}, alias))).toBe('root_contains_home');
  });

  it('refuses an ancestor of home', async () => {
    expect(await refusal(s.boundary({}, s.base))).toBe('root_contains_home');
  });

  it('refuses ASTRID_HOME, any ancestor of it, and anything inside it', async () => {
    // Data dir outside home, so the home rule does not mask these.
    const data = join(s.base, 'data');
    const astridHome = join(data, 'astrid');
    await mkdir(join(astridHome, 'inner'), { recursive: true });
    expect(await refusal(s.boundary({ astridHome }, data))).toBe('root_contains_astrid_home');
    expect(await refusal(s.boundary({ astridHome }, astridHome))).toBe('root_contains_astrid_home');
    expect(await refusal(s.boundary({ astridHome }, join(astridHome, 'inner')))).toBe(
      'root_inside_astrid_home',
    );
    expect(await refusal(s.boundary({}, s.astridHome))).toBe('root_contains_astrid_home');
    expect(await refusal(s.boundary({}, join(s.astridHome, '..', '.astrid')))).toBe(
      'root_contains_astrid_home',
    );
  });

  it('refuses a root that really contains ASTRID_HOME even when ASTRID_HOME is spelled through a symlink', async () => {
    const alias = await s.link(join(s.base, 'alias'), s.ws);
    expect(await refusal(s.boundary({ astridHome: join(alias, '.astrid') }))).toBe(
      'root_contains_astrid_home',
    );
  });

  it('refuses a root containing an ASTRID_HOME that does not exist yet', async () => {
    expect(await refusal(s.boundary({ astridHome: join(s.ws, 'later', '.astrid') }))).toBe(
      'root_contains_astrid_home',
    );
  });

  it('refuses a missing root and a root that is a file', async () => {
    expect(await refusal(s.boundary({}, join(s.base, 'missing')))).toBe('root_missing');
    expect(await refusal(s.boundary({}, join(s.ws, 'src', 'file.txt')))).toBe('root_not_directory');
  });

  it('accepts an ordinary project directory, including one inside home', async () => {
    expect((await s.boundary()).root).toBe(s.ws);
    const proj = join(s.home, 'code', 'proj');
    await mkdir(proj, { recursive: true });
    expect((await s.boundary({}, proj)).root).toBe(proj);
  });

  it('checks argument types and shapes', async () => {
    await expect(WorkspaceBoundary.create(7 as unknown as string)).rejects.toThrow(TypeError);
    await expect(s.boundary({}, `${s.ws}\0`)).rejects.toThrow(RangeError);
    await expect(s.boundary({ home: 'relative/home' })).rejects.toThrow(RangeError);
    await expect(s.boundary({ astridHome: 'relative' })).rejects.toThrow(RangeError);
    await expect(s.boundary({}, '~other/ws')).rejects.toThrow(RangeError);
  });
});
