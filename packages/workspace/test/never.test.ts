import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ASTRID_HOME_RULE } from '../src/index.js';
import { makeScratch, type Scratch } from './helpers.js';

let s: Scratch;
beforeEach(async () => {
  s = await makeScratch();
});
afterEach(async () => {
  await s.cleanup();
});

describe('never_allow', () => {
  it('matches on the real path: a workspace symlink to ~/.ssh is never', async () => {
    const key = await s.file(join(s.home, '.ssh', 'id_ed25519'), 'secret\n');
    await s.link(join(s.ws, 'k'), key);
    const b = await s.boundary({ neverAllow: ['~/.ssh/**'] });
    expect(await b.check('k', 'read')).toEqual({
      kind: 'never',
      realPath: key,
      lexicalPath: join(s.ws, 'k'),
      rule: '~/.ssh/**',
    });
    expect(await b.check('~/.ssh', 'list')).toMatchObject({ kind: 'never', rule: '~/.ssh/**' });
    expect(await b.check('~/.ssh/new_key', 'write')).toMatchObject({ kind: 'never' });
  });

  it('a never-listed name that is a symlink at startup stays never (its real target is compiled in)', async () => {
    await s.link(join(s.ws, 'vendor'), s.outside);
    const b = await s.boundary({ neverAllow: ['vendor/**'] });
    expect(await b.check('vendor/secret.txt', 'read')).toMatchObject({
      kind: 'never',
      realPath: join(s.outside, 'secret.txt'),
      rule: 'vendor/**',
    });
  });

  it('a symlink created after startup at a never-listed name is still never (lexical match)', async () => {
    const b = await s.boundary({ neverAllow: ['vendor/**'] });
    // The agent plants the link at runtime, dodging the real-location variant compiled at startup.
    await s.link(join(s.ws, 'vendor'), s.outside);
    expect(await b.check('vendor/secret.txt', 'read')).toMatchObject({
      kind: 'never',
      realPath: join(s.outside, 'secret.txt'),
      lexicalPath: join(s.ws, 'vendor', 'secret.txt'),
    });
  });

  it('relative patterns are anchored at the workspace root; ** reaches any depth', async () => {
    await mkdir(join(s.ws, 'deep', 'er'), { recursive: true });
    const b = await s.boundary({ neverAllow: ['**/.env', '*.pem', 'secrets/'] });
    expect((await b.check('.env', 'read')).kind).toBe('never');
    expect((await b.check('deep/er/.env', 'read')).kind).toBe('never');
    expect((await b.check('key.pem', 'read')).kind).toBe('never');
    expect((await b.check('deep/key.pem', 'read')).kind).toBe('inside');
    expect((await b.check('secrets', 'list')).kind).toBe('never');
    expect((await b.check('secrets/a/b', 'write')).kind).toBe('never');
    expect((await b.check('secrets-not', 'write')).kind).toBe('inside');
  });

  it('a pattern written through a symlinked home still catches the real spelling', async () => {
    const homeAlias = await s.link(join(s.base, 'home-alias'), s.home);
    const b = await s.boundary({ home: homeAlias, astridHome: join(s.base, 'data', 'astrid') }, s.ws);
    const rules = await s.boundary({ home: homeAlias, neverAllow: ['~/.ssh/**'] });
    expect((await b.check(join(s.home, '.ssh', 'id'), 'read')).kind).toBe('outside');
    expect(await rules.check(join(s.home, '.ssh', 'id'), 'read')).toMatchObject({ kind: 'never' });
    expect(await rules.check(join(homeAlias, '.ssh', 'id'), 'read')).toMatchObject({ kind: 'never' });
  });

  it('wins over inside: a never-listed file in the workspace is never', async () => {
    const b = await s.boundary({ neverAllow: ['src/file.txt'] });
    expect(await b.check('src/file.txt', 'read')).toMatchObject({ kind: 'never', rule: 'src/file.txt' });
    expect(await b.check('src/./../src/file.txt', 'delete')).toMatchObject({ kind: 'never' });
  });

  it('ASTRID_HOME is always never, even with an empty never_allow and through a workspace symlink', async () => {
    await s.link(join(s.ws, 'data'), s.astridHome);
    const b = await s.boundary({ neverAllow: [] });
    expect(await b.check(join(s.astridHome, 'daemon.json'), 'read')).toMatchObject({
      kind: 'never',
      rule: ASTRID_HOME_RULE,
    });
    expect(await b.check('data/keys/runtime.key', 'read')).toMatchObject({
      kind: 'never',
      rule: ASTRID_HOME_RULE,
    });
    expect(await b.check('~/.astrid', 'list')).toMatchObject({ kind: 'never' });
    expect((await b.check('~/.astrid-not', 'list')).kind).toBe('outside');
  });

  it('a never path behind a symlink loop is still never (lexical match)', async () => {
    await s.link(join(s.ws, 'secrets'), 'secrets');
    const b = await s.boundary({ neverAllow: ['secrets/**'] });
    expect(await b.check('secrets/x', 'read')).toMatchObject({ kind: 'never' });
  });

  it('refuses patterns outside the supported dialect instead of reading them literally', async () => {
    for (const bad of ['{a,b}/**', '[ab]', '!keep', '~bob/.ssh/**', '/a/../b', '@(x)', 'a\\*', '']) {
      await expect(s.boundary({ neverAllow: [bad] })).rejects.toThrow(RangeError);
    }
  });
});
