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
});
