import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_CONFIG_PATH, loadConfig, paths, resolveHome } from '../src/index.js';
import { makeSandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

describe('paths()', () => {
  it('lists admin, user, workspace in that order, none existing yet', async () => {
    const files = await paths({ adminPath: sb.adminPath, home: sb.home, workspace: sb.workspace, env: {} });
    expect(files).toEqual([
      { layer: 'admin', path: sb.adminPath, exists: false },
      { layer: 'user', path: sb.userPath, exists: false },
      { layer: 'workspace', path: sb.workspacePath, exists: false },
    ]);
  });

  it('reports which files exist', async () => {
    await sb.write('user', '');
    await sb.write('workspace', '');
    const files = await paths({ adminPath: sb.adminPath, home: sb.home, workspace: sb.workspace, env: {} });
    expect(files.map((f) => f.exists)).toEqual([false, true, true]);
  });

  it('has no workspace entry without a workspace, and defaults to /etc and ~/.astrid', async () => {
    const files = await paths({ env: {} });
    expect(files.map((f) => [f.layer, f.path])).toEqual([
      ['admin', DEFAULT_ADMIN_CONFIG_PATH],
      ['user', join(homedir(), '.astrid', 'config.toml')],
    ]);
  });

  it('a `.astrid` file (not a dir) in the workspace means no workspace config', async () => {
    await mkdir(sb.workspace, { recursive: true });
    await writeFile(join(sb.workspace, '.astrid'), 'not a dir');
    const files = await paths({ adminPath: sb.adminPath, home: sb.home, workspace: sb.workspace, env: {} });
    expect(files[2]).toEqual({ layer: 'workspace', path: sb.workspacePath, exists: false });
    await expect(sb.load()).resolves.toBeDefined();
  });

  it('matches the files loadConfig reports', async () => {
    await sb.write('admin', '[workspace]\nmode = "guided"\n');
    const loaded = await sb.load();
    const listed = await paths({ adminPath: sb.adminPath, home: sb.home, workspace: sb.workspace, env: {} });
    expect(loaded.files).toEqual(listed);
  });
});

describe('the data dir', () => {
  it('resolves from the option, then ASTRID_HOME, then ~/.astrid', () => {
    expect(resolveHome({ home: '/x/h', env: { ASTRID_HOME: '/y' } })).toBe('/x/h');
    expect(resolveHome({ env: { ASTRID_HOME: '/y/' } })).toBe('/y');
    expect(resolveHome({ env: { ASTRID_HOME: '' } })).toBe(join(homedir(), '.astrid'));
  });

  it('is denied under its given and its real path when reached through a symlink', async () => {
    const real = join(sb.root, 'real-home');
    await mkdir(real);
    const link = join(sb.root, 'link-home');
    await symlink(real, link);
    const { config } = await loadConfig({ adminPath: sb.adminPath, home: link, env: {} });
    expect(config.security.policy.denied_paths).toEqual(expect.arrayContaining([`${link}/**`, `${real}/**`]));
  });

  it('its denial cannot be removed by any layer', async () => {
    await sb.write('admin', '[security.policy]\ndenied_paths = []\n');
    await sb.write('user', '[security.policy]\ndenied_paths = ["/only/this/**"]\n');
    const { config } = await sb.load({ flags: { security: { policy: { denied_paths: [] } } } });
    expect(config.security.policy.denied_paths).toEqual(
      expect.arrayContaining([`${sb.home}/**`, '/etc/**', '~/.ssh/**', '/only/this/**']),
    );
  });
});

describe('a workspace whose config file is the user config', () => {
  it('is not applied twice (so its API key is not refused), with a warning', async () => {
    // home = <workspace>/.astrid, so <workspace>/.astrid/config.toml is the user file.
    const home = join(sb.workspace, '.astrid');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'config.toml'), '[model]\napi_key = "sk-user"\n');
    const loaded = await loadConfig({ adminPath: sb.adminPath, home, workspace: sb.workspace, env: {} });
    expect(loaded.config.model.api_key).toBe('sk-user');
    expect(loaded.warnings.map((w) => w.message)).toContain(
      'the workspace config file is also the user or admin config; not applied twice',
    );
    expect(loaded.files.map((f) => f.exists)).toEqual([false, true, true]);
  });

  it('is detected through a symlink too', async () => {
    await sb.write('user', '[model]\napi_key = "sk-user"\n');
    await mkdir(join(sb.workspace), { recursive: true });
    await symlink(sb.home, join(sb.workspace, '.astrid'));
    const loaded = await sb.load();
    expect(loaded.config.model.api_key).toBe('sk-user');
  });
});
