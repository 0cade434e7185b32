import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDaemonLogger } from '../src/index.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'astrid-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('the daemon log', () => {
  it('redacts secret fields and scrubs secret strings anywhere in a line', async () => {
    const token = 'a'.repeat(64);
    const key = 'sk-ant-api03-SECRET-KEY-VALUE';
    const logger = createDaemonLogger({ home, secrets: [token, key, undefined] });
    logger.info({ token: 'whatever-field-value', config: { model: { api_key: 'field-key' } } }, 'fields');
    logger.error({ err: new Error(`request failed with key ${key}`) }, `connect with Bearer ${token}`);
    logger.warn({ headers: { authorization: `Bearer ${token}` } }, 'headers');
    logger.flush();
    const text = await readFile(join(home, 'logs', 'astridd.log'), 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(3);
    for (const secret of [token, key, 'whatever-field-value', 'field-key'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(((await stat(join(home, 'logs'))).mode & 0o777).toString(8)).toBe('700');
    expect(((await stat(join(home, 'logs', 'astridd.log'))).mode & 0o777).toString(8)).toBe('600');
  });

  it('rotates a log larger than the limit at start, keeping three old files', async () => {
    const logs = join(home, 'logs');
    createDaemonLogger({ home }).flush();
    for (let i = 0; i < 5; i++) {
      await writeFile(join(logs, 'astridd.log'), 'x'.repeat(2048));
      createDaemonLogger({ home, rotateBytes: 1024 }).info('new run');
    }
    expect((await readdir(logs)).sort()).toEqual([
      'astridd.log',
      'astridd.log.1',
      'astridd.log.2',
      'astridd.log.3',
    ]);
  });

  it('rotates by size while running: no line lost or split, the newest in the current file, no secret anywhere', async () => {
    const token = 'b'.repeat(64);
    const logs = join(home, 'logs');
    const logger = createDaemonLogger({ home, secrets: [token], rotateBytes: 4096, keepFiles: 3 });
    // About 100 bytes a line: 60 lines rotate at least once, and fewer times than `keepFiles`,
    // so nothing was dropped yet.
    for (let i = 0; i < 60; i++) logger.info({ i, auth: `Bearer ${token}` }, `line ${i}`);
    logger.flush();
    const names = (await readdir(logs)).sort();
    expect(names.length).toBeGreaterThanOrEqual(2);
    expect(names.length).toBeLessThanOrEqual(3);
    const read = async (name: string) =>
      (await readFile(join(logs, name), 'utf8')).split('\n').filter(Boolean);
    const current = await read('astridd.log');
    expect(JSON.parse(current.at(-1) as string).msg).toBe('line 59');
    // Oldest file first: every line exactly once, in order, each a whole JSON object.
    const oldestFirst = [...names.slice(1).reverse(), 'astridd.log'];
    const all = (await Promise.all(oldestFirst.map(read))).flat();
    expect(all.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const name of names) {
      expect((await stat(join(logs, name))).size).toBeLessThanOrEqual(4096);
      expect(((await stat(join(logs, name))).mode & 0o777).toString(8)).toBe('600');
      expect(await readFile(join(logs, name), 'utf8')).not.toContain(token);
    }
    // Past `keepFiles`, the oldest is dropped.
    for (let i = 60; i < 400; i++) logger.info({ i }, `line ${i}`);
    expect((await readdir(logs)).sort()).toEqual([
      'astridd.log',
      'astridd.log.1',
      'astridd.log.2',
      'astridd.log.3',
    ]);
    expect(JSON.parse((await read('astridd.log')).at(-1) as string).msg).toBe('line 399');
  });
});
