import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { overrides } from '../src/database.js';
import { type BatchOperation, type Database, LevelDatabase, sortableNumberKey } from '../src/index.js';

let home: string;
let db: LevelDatabase;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'astrid-'));
  db = await LevelDatabase.open(home);
});
afterEach(async () => {
  await db.close();
  await rm(home, { recursive: true, force: true });
});

async function collect<V>(it: AsyncIterable<[string, V]>): Promise<[string, V][]> {
  const out: [string, V][] = [];
  for await (const entry of it) out.push(entry);
  return out;
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AstridError);
  return (err as AstridError).code;
}

describe('Store', () => {
  it('puts, gets and deletes JSON values, top-level null included; a missing key is undefined', async () => {
    const s = db.store<unknown>('things');
    expect(await s.get('nope')).toBeUndefined();
    const values: unknown[] = [{ a: [1, 'x', null, true], b: { c: 1.5 } }, 'text', 0, false, null, []];
    for (const [i, v] of values.entries()) await s.put(`k${i}`, v);
    for (const [i, v] of values.entries()) expect(await s.get(`k${i}`)).toEqual(v);
    await s.del('k0');
    expect(await s.get('k0')).toBeUndefined();
    await s.del('never-existed');
    expect(s.name).toBe('things');
  });

  it('overwrites on a second put, with or without sync', async () => {
    const s = db.store<{ n: number }>('counters');
    await s.put('a', { n: 1 }, { sync: true });
    await s.put('a', { n: 2 });
    expect(await s.get('a')).toEqual({ n: 2 });
  });

  it('keeps stores apart, even when one name is a prefix of another', async () => {
    const a = db.store<string>('audit');
    const b = db.store<string>('audit-index');
    await a.put('k', 'in audit');
    await b.put('k', 'in index');
    expect(await a.get('k')).toBe('in audit');
    expect(await b.get('k')).toBe('in index');
    expect(await collect(a.entries())).toEqual([['k', 'in audit']]);
  });

  it('refuses store names outside [a-z][a-z0-9-]* with RangeError', () => {
    for (const bad of ['', 'Audit', '1st', 'a b', 'a!b', 'a/b', '-a', 'a_b', 'x'.repeat(65)]) {
      expect(() => db.store(bad)).toThrow(RangeError);
      expect(() => db.store(bad)).toThrow('"name"');
    }
    expect(db.store('a-1').name).toBe('a-1');
  });

  it('refuses values that JSON cannot hold, instead of storing an unreadable entry', async () => {
    const s = db.store<unknown>('s');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, () => 1, Symbol('x'), 10n, { n: 10n }, cyclic]) {
      await expect(s.put('k', bad)).rejects.toThrow(TypeError);
      await expect(s.put('k', bad)).rejects.toThrow('"value" expected a JSON value');
    }
    expect(await s.get('k')).toBeUndefined();
    expect(await collect(s.entries())).toEqual([]);
  });
});

describe('Database.batch', () => {
  it('applies puts and deletes across stores together', async () => {
    const entries = db.store<{ seq: number }>('entries');
    const index = db.store<string>('by-session');
    await index.put('stale', 'x');
    await db.batch(
      [
        entries.putOp('1', { seq: 1 }),
        entries.putOp('2', { seq: 2 }),
        index.putOp('s1/1', '1'),
        index.delOp('stale'),
      ],
      { sync: true },
    );
    expect(await collect(entries.entries())).toEqual([
      ['1', { seq: 1 }],
      ['2', { seq: 2 }],
    ]);
    expect(await collect(index.entries())).toEqual([['s1/1', '1']]);
  });

  it('an empty batch is a no-op', async () => {
    await db.batch([]);
    expect(await collect(db.store('x').entries())).toEqual([]);
  });

  // Each bad batch puts a good entry first: nothing of it may be written.
  const bad: [string, BatchOperation][] = [
    ['an undefined value', { type: 'put', store: 'b', key: 'k2', value: undefined }],
    ['a function value', { type: 'put', store: 'b', key: 'k2', value: () => 1 }],
    ['a bigint value', { type: 'put', store: 'b', key: 'k2', value: 1n }],
    ['an unknown operation type', { type: 'zap', store: 'b', key: 'k2' } as unknown as BatchOperation],
    ['an invalid store name', { type: 'put', store: 'B!', key: 'k2', value: 1 }],
    ['an undefined key', { type: 'put', store: 'b', key: undefined as unknown as string, value: 1 }],
  ];
  it.each(bad)('is all or nothing: a batch with %s writes nothing', async (_name, op) => {
    const a = db.store<number>('a');
    const b = db.store<number>('b');
    await b.put('k2', 7);
    await expect(db.batch([a.putOp('k1', 1), b.delOp('k2'), op])).rejects.toThrow();
    expect(await a.get('k1')).toBeUndefined();
    expect(await b.get('k2')).toBe(7);
  });

  it('reports an unknown operation type as a RangeError naming it', async () => {
    const op = { type: 'zap', store: 'b', key: 'k' } as unknown as BatchOperation;
    await expect(db.batch([op])).rejects.toThrow(
      new RangeError('"operations[0].type" expected "put" or "del", got "zap"'),
    );
  });
});

describe('Store.entries', () => {
  it('iterates in byte order, so sortableNumberKey gives numeric order', async () => {
    const s = db.store<number>('seq');
    const numbers = [5, 100, 42, 0, 9, 10, 1000, 99, 1, 11];
    await db.batch(numbers.map((n) => s.putOp(sortableNumberKey(n), n)));
    const all = (await collect(s.entries())).map(([, v]) => v);
    expect(all).toEqual([...numbers].sort((x, y) => x - y));
  });

  it('honours gt/gte/lt/lte, limit and reverse', async () => {
    const s = db.store<number>('seq');
    await db.batch(Array.from({ length: 120 }, (_, n) => s.putOp(sortableNumberKey(n), n)));
    const values = async (range: Parameters<typeof s.entries>[0]) =>
      (await collect(s.entries(range))).map(([, v]) => v);
    expect(await values({ gte: sortableNumberKey(10), lt: sortableNumberKey(15) })).toEqual([
      10, 11, 12, 13, 14,
    ]);
    expect(await values({ gt: sortableNumberKey(10), lte: sortableNumberKey(12) })).toEqual([11, 12]);
    expect(await values({ gte: sortableNumberKey(100), limit: 3 })).toEqual([100, 101, 102]);
    expect(await values({ reverse: true, limit: 2 })).toEqual([119, 118]);
    expect(await values({ lt: sortableNumberKey(3), reverse: true })).toEqual([2, 1, 0]);
    expect(await values({ gt: sortableNumberKey(119) })).toEqual([]);
    expect(await values({ gte: undefined, limit: 1 })).toEqual([0]);
  });

  it('yields [key, value] pairs with the store prefix stripped', async () => {
    const s = db.store<{ v: string }>('kv');
    await s.put('b', { v: 'B' });
    await s.put('a', { v: 'A' });
    expect(await collect(s.entries())).toEqual([
      ['a', { v: 'A' }],
      ['b', { v: 'B' }],
    ]);
  });

  it('can stop early and keep using the store', async () => {
    const s = db.store<number>('seq');
    await db.batch([1, 2, 3].map((n) => s.putOp(sortableNumberKey(n), n)));
    for await (const [, v] of s.entries()) if (v === 1) break;
    await s.put(sortableNumberKey(4), 4);
    expect((await collect(s.entries())).length).toBe(4);
  });
});

describe('LevelDatabase lifecycle', () => {
  it('keeps data across close and reopen', async () => {
    await db.store<string>('persist').put('k', 'v', { sync: true });
    await db.batch([db.store<number>('other').putOp('n', 1)], { sync: true });
    await db.close();
    db = await LevelDatabase.open(home);
    expect(await db.store<string>('persist').get('k')).toBe('v');
    expect(await db.store<number>('other').get('n')).toBe(1);
  });

  it('lives at <home>/db and records its owner pid there while open', async () => {
    expect(db.location).toBe(join(home, 'db'));
    const owner = JSON.parse(await readFile(join(home, 'db', 'OWNER.json'), 'utf8'));
    expect(owner).toEqual({ pid: process.pid });
    expect((await stat(join(home, 'db', 'OWNER.json'))).mode & 0o777).toBe(0o600);
    await db.close();
    await expect(stat(join(home, 'db', 'OWNER.json'))).rejects.toThrow();
  });

  it('fails with STORAGE_CLOSED after close; close is idempotent', async () => {
    const s = db.store<number>('s');
    await db.close();
    await db.close();
    expect(await code(s.get('k'))).toBe('STORAGE_CLOSED');
    expect(await code(s.put('k', 1))).toBe('STORAGE_CLOSED');
    expect(await code(s.del('k'))).toBe('STORAGE_CLOSED');
    expect(await code(db.batch([s.putOp('k', 1)]))).toBe('STORAGE_CLOSED');
    expect(await code(collect(s.entries()))).toBe('STORAGE_CLOSED');
  });

  it('reports an undecodable stored value as STORAGE_FAILURE on get and on iteration', async () => {
    await db.store<number>('s').put('good', 1);
    await db.close();
    // Write a value that is not JSON straight into the store's sublevel.
    const raw = new Level<string, string>(join(home, 'db'));
    await raw.sublevel<string, string>('s', { valueEncoding: 'utf8' }).put('bad', '{not json');
    // level's own json encoding writes the same bytes as the stores do, so such data stays readable.
    await raw.sublevel<string, unknown>('s', { valueEncoding: 'json' }).put('legacy', { a: [1] });
    await raw.close();
    db = await LevelDatabase.open(home);
    const s = db.store<number>('s');
    expect(await code(s.get('bad'))).toBe('STORAGE_FAILURE');
    expect(await code(collect(s.entries()))).toBe('STORAGE_FAILURE');
    expect(await s.get('good')).toBe(1);
    expect(await s.get('legacy')).toEqual({ a: [1] });
  });

  // Writes skip abstract-level's generic batch and call LevelDB's binding with the store
  // prefix already applied: the bytes must be exactly what level's own sublevels write.
  it('writes the same keys and bytes as level sublevels (puts, batches, deletes, non-ASCII)', async () => {
    const a = db.store<unknown>('a');
    const ab = db.store<unknown>('a-b');
    await a.put('p', { n: 1, s: 'é✓😀' }, { sync: true });
    await db.batch([a.putOp('q', null), ab.putOp('ключ', [1, 'x']), a.putOp('gone', 1)], { sync: true });
    await db.batch([a.delOp('gone')]);
    await db.close();
    const raw = new Level<string, string>(join(home, 'db'), { valueEncoding: 'utf8' });
    const all: [string, string][] = [];
    for await (const entry of raw.iterator()) all.push(entry);
    expect(all).toEqual([
      ['!a!p', '{"n":1,"s":"é✓😀"}'],
      ['!a!q', 'null'],
      ['!a-b!ключ', '[1,"x"]'],
    ]);
    await raw.sublevel<string, string>('a', { valueEncoding: 'utf8' }).put('r', '"from level"');
    await raw.close();
    db = await LevelDatabase.open(home);
    expect(await db.store<unknown>('a').get('r')).toBe('from level');
    expect(await collect(db.store<unknown>('a').entries())).toEqual([
      ['p', { n: 1, s: 'é✓😀' }],
      ['q', null],
      ['r', 'from level'],
    ]);
  });

  it('calls the binding directly only when the implementation overrides the no-op hook', () => {
    class Base {
      batch() {}
      _batch() {}
    }
    class Implementation extends Base {
      override _batch() {}
    }
    class Lazy extends Base {}
    expect(overrides(new Implementation(), '_batch', 'batch')).toBe(true);
    expect(overrides(new Lazy(), '_batch', 'batch')).toBe(false);
    expect(overrides({ batch() {} }, '_batch', 'batch')).toBe(false);
    // The real database: classic-level overrides both hooks, so the fast path is used.
    const inner = (db as unknown as { db: object }).db;
    expect(overrides(inner, '_batch', 'batch')).toBe(true);
    expect(overrides(inner, '_put', 'put')).toBe(true);
  });

  it('refuses a key that is not a string, writing nothing', async () => {
    const s = db.store<number>('s');
    await expect(s.put(7 as unknown as string, 1)).rejects.toThrow(
      new TypeError('"key" expected a string, got number'),
    );
    await expect(db.batch([s.putOp('ok', 1), s.delOp(null as unknown as string)])).rejects.toThrow(
      new TypeError('"operations[1].key" expected a string, got object'),
    );
    expect(await collect(s.entries())).toEqual([]);
  });

  it('is usable through the Database interface', async () => {
    const asInterface: Database = db;
    const s = asInterface.store<string>('x');
    await asInterface.batch([s.putOp('k', 'v')]);
    expect(await s.get('k')).toBe('v');
  });
});
