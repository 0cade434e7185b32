import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { Level } from 'level';
import { ensureSafeHome } from './home.js';

/** One write in an atomic batch: a put or delete in a named store. */
export type BatchOperation =
  | { readonly type: 'put'; readonly store: string; readonly key: string; readonly value: unknown }
  | { readonly type: 'del'; readonly store: string; readonly key: string };

/** Options for a write: `sync` makes it durable (fsynced) before the promise resolves. */
export interface WriteOptions {
  readonly sync?: boolean;
}

/** A key range over a store's string keys, in byte order. */
export interface RangeOptions {
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
  readonly limit?: number;
  readonly reverse?: boolean;
}

/** A typed key-value store with JSON values (a LevelDB sublevel). */
export interface Store<V> {
  readonly name: string;
  get(key: string): Promise<V | undefined>;
  put(key: string, value: V, options?: WriteOptions): Promise<void>;
  del(key: string, options?: WriteOptions): Promise<void>;
  entries(range?: RangeOptions): AsyncIterable<[string, V]>;
  /** A put for {@link Database.batch}. */
  putOp(key: string, value: V): BatchOperation;
  /** A delete for {@link Database.batch}. */
  delOp(key: string): BatchOperation;
}

/**
 * What packages above storage depend on: named stores and atomic batches across them.
 * It is an interface so that tests can wrap it to inject faults.
 */
export interface Database {
  readonly location: string;
  store<V>(name: string): Store<V>;
  /** Applies all operations atomically (all or none). */
  batch(operations: readonly BatchOperation[], options?: WriteOptions): Promise<void>;
  close(): Promise<void>;
}

const STORE_NAME = /^[a-z][a-z0-9-]{0,63}$/;
const OWNER_FILE = 'OWNER.json';

// The slice of a level sublevel that the stores use (reads; writes go through
// LevelDatabase.write with the sublevel's prefix applied). Values are JSON text encoded here rather than by level's `json` encoding (the bytes on disk are the
// same): level refuses a top-level `null`, and would store a value whose JSON is `undefined`
// (a function) as an empty entry that no read can decode.
interface Sub {
  get(key: string): Promise<string | undefined>;
  iterator(options: Record<string, unknown>): AsyncIterable<[string, string]>;
  /** The sublevel's key prefix in the root database (`!name!`); abstract-level's public getter. */
  readonly prefix: string;
}
interface BatchTarget {
  batch(operations: readonly object[], options: { sync: boolean }): Promise<void>;
}

/**
 * A write as the LevelDB binding takes it: the root database's key (the store's prefix
 * already applied) and the value's JSON text.
 */
interface RawOperation {
  readonly type: 'put' | 'del';
  readonly key: string;
  readonly value?: string;
}

/**
 * The implementation hook that abstract-level's `batch` ends in (classic-level: one native
 * LevelDB write batch). Measured on a 2-core VM, abstract-level's generic batch path (option
 * merging, per-operation encoding and prefixing, event bookkeeping) spends 50-90 us of main
 * thread per synced write before the native call, more than the fsync-bound log can afford
 * on every append, so batches of already-validated, already-encoded operations go straight
 * to it. `level`'s public `batch` stays the fallback for a database that lacks the hook.
 */
interface RawBatchTarget {
  readonly status?: string;
  _batch?(operations: readonly RawOperation[], options: { sync: boolean }): Promise<void>;
  _put?(key: string, value: string, options: { sync: boolean }): Promise<void>;
}

/** The LevelDB database of one data dir (`<home>/db`); one process may hold it at a time. */
export class LevelDatabase implements Database {
  private readonly subs = new Map<string, Sub>();
  private closed = false;

  // abstract-level's base class defines `_put`/`_batch` as no-ops: they are called directly
  // only when the implementation (classic-level) overrides them.
  private readonly direct: { readonly put: boolean; readonly batch: boolean };

  private constructor(
    private readonly db: Level<string, unknown>,
    readonly location: string,
  ) {
    this.direct = { put: overrides(db, '_put', 'put'), batch: overrides(db, '_batch', 'batch') };
  }

  /**
   * Opens (creating if needed) the database under `<home>/db`, after checking the data dir
   * is safe. If another process holds it, fails with STORAGE_LOCKED naming the data dir
   * and, when recorded, the holder's pid.
   */
  static async open(home: string): Promise<LevelDatabase> {
    await ensureSafeHome(home);
    const location = join(home, 'db');
    const db = new Level<string, unknown>(location, { valueEncoding: 'json' });
    try {
      await db.open();
    } catch (err) {
      if (isLockError(err)) {
        const holder = await readOwner(location);
        const who = holder === undefined ? 'another process' : `process ${holder}`;
        throw new AstridError('STORAGE_LOCKED', `the database of data dir ${home} is in use by ${who}`, {
          cause: err,
          details: { home, pid: holder },
        });
      }
      throw new AstridError(
        'STORAGE_FAILURE',
        `cannot open the database of data dir ${home}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    await fs.writeFile(join(location, OWNER_FILE), JSON.stringify({ pid: process.pid }), { mode: 0o600 });
    return new LevelDatabase(db, location);
  }

  /** The typed store called `name` (lower-case letters, digits, dashes). */
  store<V>(name: string): Store<V> {
    assertStoreName(name);
    return new LevelStore<V>(name, this.sub(name), this);
  }

  async batch(operations: readonly BatchOperation[], options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    if (operations.length === 0) return;
    // Every operation is checked before anything is written, so a bad one fails the whole
    // batch (an unknown `type` must never fall through to a delete).
    const ops = operations.map((op, i): RawOperation => {
      assertKey(`operations[${i}].key`, op.key);
      if (op.type === 'put') {
        const value = encodeValue(`operations[${i}].value`, op.value);
        return { type: 'put', key: this.sub(op.store).prefix + op.key, value };
      }
      if (op.type === 'del') return { type: 'del', key: this.sub(op.store).prefix + op.key };
      const type: unknown = (op as { type: unknown }).type;
      throw new RangeError(`"operations[${i}].type" expected "put" or "del", got ${JSON.stringify(type)}`);
    });
    await wrap(`batch of ${ops.length}`, () => this.write(ops, options.sync === true));
  }

  /**
   * Writes encoded operations as one atomic LevelDB batch (a single put as a plain put).
   * Every write of this class goes through here. The binding is called directly only while
   * the database is open (abstract-level defers or refuses writes in every other state; this
   * class's own `closed` flag is checked by every caller first); both ways reach the binding
   * synchronously, in call order, so writes stay ordered.
   * @internal
   */
  write(ops: readonly RawOperation[], sync: boolean): Promise<void> {
    const raw = this.db as unknown as RawBatchTarget;
    if (raw.status === 'open') {
      const only = ops.length === 1 ? ops[0] : undefined;
      if (only?.type === 'put' && this.direct.put)
        return (raw._put as NonNullable<RawBatchTarget['_put']>)(only.key, only.value as string, { sync });
      if (this.direct.batch) return (raw._batch as NonNullable<RawBatchTarget['_batch']>)(ops, { sync });
    }
    const level = ops.map((op) =>
      op.type === 'put'
        ? { type: 'put', key: op.key, value: op.value, valueEncoding: 'utf8' }
        : { type: 'del', key: op.key },
    );
    return (this.db as unknown as BatchTarget).batch(level, { sync });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await fs.rm(join(this.location, OWNER_FILE), { force: true });
    await this.db.close();
  }

  /** @internal */
  assertOpen(): void {
    if (this.closed) throw new AstridError('STORAGE_CLOSED', `the database at ${this.location} is closed`);
  }

  private sub(name: string): Sub {
    let sub = this.subs.get(name);
    if (sub === undefined) {
      assertStoreName(name);
      sub = this.db.sublevel<string, string>(name, { valueEncoding: 'utf8' }) as unknown as Sub;
      this.subs.set(name, sub);
    }
    return sub;
  }
}

class LevelStore<V> implements Store<V> {
  constructor(
    readonly name: string,
    private readonly sub: Sub,
    private readonly owner: LevelDatabase,
  ) {}

  async get(key: string): Promise<V | undefined> {
    this.owner.assertOpen();
    return wrap(`get ${this.name}/${key}`, async () => {
      const text = await this.sub.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as V);
    });
  }

  async put(key: string, value: V, options: WriteOptions = {}): Promise<void> {
    this.owner.assertOpen();
    assertKey('key', key);
    const text = encodeValue('value', value);
    const op: RawOperation = { type: 'put', key: this.sub.prefix + key, value: text };
    await wrap(`put ${this.name}/${key}`, () => this.owner.write([op], options.sync === true));
  }

  async del(key: string, options: WriteOptions = {}): Promise<void> {
    this.owner.assertOpen();
    assertKey('key', key);
    const op: RawOperation = { type: 'del', key: this.sub.prefix + key };
    await wrap(`del ${this.name}/${key}`, () => this.owner.write([op], options.sync === true));
  }

  async *entries(range: RangeOptions = {}): AsyncIterable<[string, V]> {
    this.owner.assertOpen();
    const opts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(range)) if (v !== undefined) opts[k] = v;
    // Read errors (an undecodable value, a closed database) surface as STORAGE_FAILURE,
    // like every other storage call; leaving early closes the LevelDB iterator.
    const iterator = this.sub.iterator(opts)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const entry = await wrap(`read ${this.name}`, async () => {
          const step = await iterator.next();
          return step.done === true
            ? undefined
            : ([step.value[0], JSON.parse(step.value[1]) as V] as [string, V]);
        });
        if (entry === undefined) return;
        yield entry;
      }
    } finally {
      await iterator.return?.();
    }
  }

  putOp(key: string, value: V): BatchOperation {
    return { type: 'put', store: this.name, key, value };
  }

  delOp(key: string): BatchOperation {
    return { type: 'del', store: this.name, key };
  }
}

/**
 * True when `hook` (an abstract-level implementation method such as `_batch`) is defined by
 * a class below the one that defines the public `method` (`batch`), i.e. the implementation
 * overrides the base class's no-op. @internal (exported for its test)
 */
export function overrides(target: object, hook: string, method: string): boolean {
  const owner = (name: string): object | undefined => {
    for (let p: object | null = target; p !== null; p = Object.getPrototypeOf(p)) {
      if (Object.hasOwn(p, name)) return p;
    }
    return undefined;
  };
  const hookOwner = owner(hook);
  const methodOwner = owner(method);
  if (hookOwner === undefined || methodOwner === undefined || hookOwner === methodOwner) return false;
  // The hook's owner must sit below (be a subclass prototype of) the public method's owner.
  return Object.prototype.isPrototypeOf.call(methodOwner, hookOwner);
}

// abstract-level refused these before the binding was called directly; a key must be a string.
function assertKey(name: string, key: unknown): void {
  if (typeof key !== 'string') throw new TypeError(`"${name}" expected a string, got ${typeof key}`);
}

function assertStoreName(name: string): void {
  if (!STORE_NAME.test(name))
    throw new RangeError(`"name" expected [a-z][a-z0-9-]*, got ${JSON.stringify(name)}`);
}

// A value's JSON text; TypeError for what has none (undefined, a function, a symbol, a
// bigint, a cycle), so nothing unreadable is ever written.
function encodeValue(name: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`"${name}" expected a JSON value: ${(err as Error).message}`, { cause: err });
  }
  if (text === undefined) throw new TypeError(`"${name}" expected a JSON value, got ${typeof value}`);
  return text;
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new AstridError('STORAGE_FAILURE', `storage ${what} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function isLockError(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 'LEVEL_LOCKED') return true;
    if (/lock/i.test(e.message) && /LOCK|held|unavailable/i.test(e.message)) return true;
  }
  return false;
}

async function readOwner(location: string): Promise<number | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(join(location, OWNER_FILE), 'utf8')) as { pid?: unknown };
    return typeof parsed.pid === 'number' ? parsed.pid : undefined;
  } catch {
    return undefined;
  }
}
