import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WorkspaceBoundary, type WorkspaceBoundaryOptions } from '../src/index.js';

/**
 * A scratch tree in a real temp dir:
 *   <base>/ws            the workspace root (with src/file.txt)
 *   <base>/outside       a directory outside the workspace (with secret.txt)
 *   <base>/home          the injected home; <base>/home/.astrid the injected ASTRID_HOME
 */
export interface Scratch {
  readonly base: string;
  readonly ws: string;
  readonly outside: string;
  readonly home: string;
  readonly astridHome: string;
  boundary(options?: WorkspaceBoundaryOptions, root?: string): Promise<WorkspaceBoundary>;
  file(path: string, body?: string): Promise<string>;
  link(path: string, target: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** Creates a {@link Scratch} tree; call `cleanup()` in afterEach. */
export async function makeScratch(): Promise<Scratch> {
  // realpath: tmpdir() may itself sit behind a symlink (macOS /var -> /private/var).
  const base = await realpath(await mkdtemp(join(tmpdir(), 'astrid-')));
  const ws = join(base, 'ws');
  const outside = join(base, 'outside');
  const home = join(base, 'home');
  const astridHome = join(home, '.astrid');
  await mkdir(join(ws, 'src'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await mkdir(astridHome, { recursive: true });
  await writeFile(join(ws, 'src', 'file.txt'), 'inside\n');
  await writeFile(join(outside, 'secret.txt'), 'outside\n');
  await writeFile(join(astridHome, 'daemon.json'), '{}\n');
  const file = async (path: string, body = 'x\n'): Promise<string> => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
    return path;
  };
  const link = async (path: string, target: string): Promise<string> => {
    await mkdir(dirname(path), { recursive: true });
    await symlink(target, path);
    return path;
  };
  return {
    base,
    ws,
    outside,
    home,
    astridHome,
    boundary: (options = {}, root = ws) => WorkspaceBoundary.create(root, { home, astridHome, ...options }),
    file,
    link,
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
