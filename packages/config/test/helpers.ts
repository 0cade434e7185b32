import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'smol-toml';
import { type LoadConfigOptions, type LoadedConfig, loadConfig } from '../src/index.js';

/** A temp layout with an admin file path, a data dir and a workspace; nothing under /etc. */
export interface Sandbox {
  readonly root: string;
  readonly adminPath: string;
  readonly home: string;
  readonly workspace: string;
  readonly userPath: string;
  readonly workspacePath: string;
  /** Writes a layer file from an object (TOML-stringified) or raw text. */
  write(layer: 'admin' | 'user' | 'workspace', content: object | string): Promise<string>;
  load(extra?: Partial<LoadConfigOptions>): Promise<LoadedConfig>;
  /** Writes the given layers (omitting undefined ones) to fresh files and loads. */
  loadLayers(layers: LayerObjects, extra?: Partial<LoadConfigOptions>): Promise<LoadedConfig>;
  cleanup(): Promise<void>;
}

export interface LayerObjects {
  admin?: object;
  user?: object;
  workspace?: object;
}

/** Creates a sandbox in a fresh temp dir. */
export async function makeSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-'));
  const adminPath = join(root, 'etc', 'astrid', 'config.toml');
  const home = join(root, 'home', '.astrid');
  const workspace = join(root, 'project');
  const userPath = join(home, 'config.toml');
  const workspacePath = join(workspace, '.astrid', 'config.toml');
  const pathOf = { admin: adminPath, user: userPath, workspace: workspacePath };

  const write = async (layer: 'admin' | 'user' | 'workspace', content: object | string) => {
    const path = pathOf[layer];
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, typeof content === 'string' ? content : stringify(content));
    return path;
  };
  const load = (extra: Partial<LoadConfigOptions> = {}) =>
    loadConfig({ adminPath, home, workspace, env: {}, ...extra });
  const loadLayers = async (layers: LayerObjects, extra: Partial<LoadConfigOptions> = {}) => {
    for (const layer of ['admin', 'user', 'workspace'] as const) {
      await rm(pathOf[layer], { force: true });
      const content = layers[layer];
      if (content !== undefined) await write(layer, content);
    }
    return load(extra);
  };
  return {
    root,
    adminPath,
    home,
    workspace,
    userPath,
    workspacePath,
    write,
    load,
    loadLayers,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A nested object with `value` at dotted `path`. */
export function at(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let out: unknown = value;
  for (const key of keys.reverse()) out = { [key]: out };
  return out as Record<string, unknown>;
}

/** The value at dotted `path` of `root`. */
export function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
