import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AstridError } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LevelDatabase } from '../src/index.js';

// tsx's ESM loader, resolved from the workspace root's node_modules.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const HOLDER = fileURLToPath(new URL('./fixtures/hold-db.ts', import.meta.url));

let home: string;
let child: ChildProcess | undefined;
const opened: LevelDatabase[] = [];

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'astrid-'));
});
afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  for (const db of opened.splice(0)) await db.close();
  await rm(home, { recursive: true, force: true });
});

/** Starts a child process that holds the database of `home`; resolves once it is open. */
async function holdInChild(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', TSX_LOADER, '--conditions=source', HOLDER, home], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child = proc;
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`holder exited with ${code}: ${stderr}`)));
  });
  return proc;
}

async function openError(): Promise<AstridError> {
  const err = await LevelDatabase.open(home).then(
    (db) => {
      opened.push(db);
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AstridError);
  return err as AstridError;
}

describe('one process per database', () => {
  it('fails with STORAGE_LOCKED naming the data dir and the holder pid when another process holds it', async () => {
    const proc = await holdInChild();
    const owner = JSON.parse(await readFile(join(home, 'db', 'OWNER.json'), 'utf8'));
    expect(owner.pid).toBe(proc.pid);

    const err = await openError();
    expect(err.code).toBe('STORAGE_LOCKED');
    expect(err.message).toBe(`the database of data dir ${home} is in use by process ${proc.pid}`);
    expect(err.details).toEqual({ home, pid: proc.pid });
    expect(err.cause).toBeDefined();

    // Once the holder closes, the database opens here and records this process as owner.
    proc.stdin?.end();
    const [code] = await once(proc, 'exit');
    expect(code).toBe(0);
    const db = await LevelDatabase.open(home);
    opened.push(db);
    expect(JSON.parse(await readFile(join(home, 'db', 'OWNER.json'), 'utf8'))).toEqual({ pid: process.pid });
  });

  it('is not blocked by a holder that was killed (its stale OWNER.json is replaced)', async () => {
    const proc = await holdInChild();
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
    expect(JSON.parse(await readFile(join(home, 'db', 'OWNER.json'), 'utf8'))).toEqual({ pid: proc.pid });
    const db = await LevelDatabase.open(home);
    opened.push(db);
    expect(JSON.parse(await readFile(join(home, 'db', 'OWNER.json'), 'utf8'))).toEqual({ pid: process.pid });
  });

  it('fails with STORAGE_LOCKED naming this process when it already holds the database', async () => {
    const first = await LevelDatabase.open(home);
    opened.push(first);
    const err = await openError();
    expect(err.code).toBe('STORAGE_LOCKED');
    expect(err.message).toContain(home);
    expect(err.details).toEqual({ home, pid: process.pid });
    // The failed open did not disturb the holder.
    await first.store<number>('s').put('k', 1);
    expect(await first.store<number>('s').get('k')).toBe(1);
  });

  it('says "another process" when the holder left no OWNER.json', async () => {
    const first = await LevelDatabase.open(home);
    opened.push(first);
    await rm(join(home, 'db', 'OWNER.json'));
    const err = await openError();
    expect(err.code).toBe('STORAGE_LOCKED');
    expect(err.message).toBe(`the database of data dir ${home} is in use by another process`);
    expect(err.details).toEqual({ home, pid: undefined });
  });
});
