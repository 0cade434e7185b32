import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureSafeHome, LevelDatabase, resolveAstridHome } from '../src/index.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'astrid-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function unsafe(promise: Promise<unknown>): Promise<AstridError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AstridError);
  expect((err as AstridError).code).toBe('STORAGE_UNSAFE_HOME');
  return err as AstridError;
}

describe('ensureSafeHome', () => {
  it('creates a missing data dir, and missing parents, with mode 0700', async () => {
    const home = join(base, 'a', 'b', '.astrid');
    await ensureSafeHome(home);
    const st = await stat(home);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
  });

  it('accepts an existing data dir that only its owner can write', async () => {
    for (const mode of [0o700, 0o750, 0o755]) {
      await chmod(base, mode);
      await expect(ensureSafeHome(base)).resolves.toBeUndefined();
    }
  });

  // chmod works as root: the mode bits are inspected, not whether a write would be denied.
  it.each([0o777, 0o770, 0o720, 0o702, 0o757, 0o1777])('refuses a data dir with mode %o', async (mode) => {
    await chmod(base, mode);
    const err = await unsafe(ensureSafeHome(base));
    expect(err.message).toContain(base);
    expect(err.message).toContain('chmod 700');
  });

  it('refuses a data dir that is a file', async () => {
    const file = join(base, 'file');
    await writeFile(file, 'x');
    const err = await unsafe(ensureSafeHome(file));
    expect(err.message).toContain('not a directory');
  });

  it('refuses a data dir below a file', async () => {
    const file = join(base, 'file');
    await writeFile(file, 'x');
    const err = await unsafe(ensureSafeHome(join(file, 'home')));
    expect(err.message).toContain('not a directory');
  });

  it('refuses a data dir owned by another user', async () => {
    const home = join(base, 'other');
    await mkdir(home, { mode: 0o700 });
    const owner = (await stat(home)).uid;
    // Run the check as if this process were another user (no chown, so no root needed).
    const err = await unsafe(ensureSafeHome(home, { uid: owner + 4242 }));
    expect(err.message).toContain(`uid ${owner},`);
    await expect(ensureSafeHome(home, { uid: owner })).resolves.toBeUndefined();
  });

  it('is checked by LevelDatabase.open before any database is created', async () => {
    await chmod(base, 0o777);
    await unsafe(LevelDatabase.open(base));
    await expect(stat(join(base, 'db'))).rejects.toThrow();
  });
});

describe('resolveAstridHome', () => {
  it('uses $ASTRID_HOME when set, made absolute', () => {
    expect(resolveAstridHome({ ASTRID_HOME: '/srv/astrid' })).toBe('/srv/astrid');
    expect(resolveAstridHome({ ASTRID_HOME: 'rel/home' })).toBe(resolve('rel/home'));
  });

  it('falls back to ~/.astrid when unset or empty', () => {
    expect(resolveAstridHome({})).toBe(join(homedir(), '.astrid'));
    expect(resolveAstridHome({ ASTRID_HOME: '' })).toBe(join(homedir(), '.astrid'));
  });
});
