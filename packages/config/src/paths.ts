import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConfigFileInfo } from './types.js';

/** Where the admin config lives unless `adminPath` says otherwise. */
export const DEFAULT_ADMIN_CONFIG_PATH = '/etc/astrid/config.toml';

/** Where to look; every path is injectable so tests never touch /etc or the real home. */
export interface ConfigLocationOptions {
  /** The admin config file. Default `/etc/astrid/config.toml`. */
  adminPath?: string;
  /** The data dir. Default `$ASTRID_HOME`, else `~/.astrid`. */
  home?: string;
  /** The workspace root; its config is `<workspace>/.astrid/config.toml`. None: no workspace layer. */
  workspace?: string;
  /** The environment. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The data dir: `home`, else `$ASTRID_HOME` (made absolute), else `~/.astrid`. */
export function resolveHome(options: ConfigLocationOptions = {}): string {
  if (options.home !== undefined) return resolve(options.home);
  const fromEnv = (options.env ?? process.env).ASTRID_HOME;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return join(homedir(), '.astrid');
}

/** The config files considered, lowest precedence first, without touching the disk. */
export function configFilePaths(
  options: ConfigLocationOptions = {},
): { layer: ConfigFileInfo['layer']; path: string }[] {
  const files: { layer: ConfigFileInfo['layer']; path: string }[] = [
    { layer: 'admin', path: resolve(options.adminPath ?? DEFAULT_ADMIN_CONFIG_PATH) },
    { layer: 'user', path: join(resolveHome(options), 'config.toml') },
  ];
  if (options.workspace !== undefined) {
    files.push({ layer: 'workspace', path: join(resolve(options.workspace), '.astrid', 'config.toml') });
  }
  return files;
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch (err) {
    // Only "not there" counts as absent; a file we cannot stat is reported as present,
    // which is what the loader will then fail on.
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/** Every config file considered, in order, with its layer and whether it exists. */
export async function paths(options: ConfigLocationOptions = {}): Promise<ConfigFileInfo[]> {
  return Promise.all(
    configFilePaths(options).map(async (file) => ({ ...file, exists: await exists(file.path) })),
  );
}
