import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuditEntryId,
  auditEntryId,
  type PrincipalId,
  parseAction,
  principalId,
  type SensitiveAction,
  type SessionId,
  sessionId,
  type TokenId,
} from '@astrid/core';
import { generateKeyPair, keyIdOf, RuntimeKeyRing, sign } from '@astrid/crypto';
import {
  type BatchOperation,
  type Database,
  LevelDatabase,
  type Store,
  type WriteOptions,
} from '@astrid/storage';
import {
  CapabilityStore,
  type CapabilityStoreOptions,
  type MintParams,
  type TokenSigner,
  type TokenState,
  TrustedKeys,
} from '../src/index.js';

export const AGENT: PrincipalId = principalId('agent-1');
export const OTHER_AGENT: PrincipalId = principalId('agent-2');
export const SESSION: SessionId = sessionId('sess-1');
export const OTHER_SESSION: SessionId = sessionId('sess-2');
export const AUDIT: AuditEntryId = auditEntryId('aud-1');
export const T0 = 1_700_000_000_000;

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public t = T0) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A fresh temp dir, to be removed by the caller. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'astrid-'));
}

/** Removes a temp dir. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** A signer over a fresh in-memory key pair (not trusted by anyone unless configured). */
export function memorySigner(): TokenSigner & { secretKey: Uint8Array } {
  const pair = generateKeyPair();
  const id = keyIdOf(pair.publicKey);
  return {
    keyId: id,
    publicKey: pair.publicKey,
    secretKey: pair.secretKey,
    sign: (message) => ({ keyId: id, signature: sign(message, pair.secretKey) }),
  };
}

/** Token state held in plain sets, for verifier tests without a database. */
export function memoryState(): TokenState & { revoked: Set<string>; consumed: Set<string> } {
  const revoked = new Set<string>();
  const consumed = new Set<string>();
  return {
    revoked,
    consumed,
    isRevoked: (id: TokenId) => revoked.has(id),
    isConsumed: (id: TokenId) => consumed.has(id),
  };
}

/** Parses an action (as the interceptor would). */
export function action(input: unknown): SensitiveAction {
  return parseAction(input);
}

/** A file_read action for `path`. */
export function readFile(path: string): SensitiveAction {
  return action({ kind: 'file_read', path });
}

/** A database wrapper that fails writes to the named stores while `failing` is true. */
export class FaultyDatabase implements Database {
  failing = false;
  constructor(
    private readonly inner: Database,
    private readonly failStores: readonly string[],
  ) {}
  get location(): string {
    return this.inner.location;
  }
  store<V>(name: string): Store<V> {
    const inner = this.inner.store<V>(name);
    if (!this.failStores.includes(name)) return inner;
    const fault = () => {
      if (this.failing) throw new Error(`injected fault writing ${name}`);
    };
    return {
      name: inner.name,
      get: (key) => inner.get(key),
      put: async (key: string, value: V, options?: WriteOptions) => {
        fault();
        await inner.put(key, value, options);
      },
      del: async (key: string, options?: WriteOptions) => {
        fault();
        await inner.del(key, options);
      },
      entries: (range) => inner.entries(range),
      putOp: (key, value) => inner.putOp(key, value),
      delOp: (key) => inner.delOp(key),
    };
  }
  batch(operations: readonly BatchOperation[], options?: WriteOptions): Promise<void> {
    if (this.failing && operations.some((op) => this.failStores.includes(op.store))) {
      return Promise.reject(new Error('injected fault in batch'));
    }
    return this.inner.batch(operations, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A real key ring and LevelDB in a temp dir, and a store over them. */
export interface Fixture {
  dir: string;
  ring: RuntimeKeyRing;
  db: Database;
  clock: FakeClock;
  store: CapabilityStore;
  /** Closes and reopens the database and the store (same dir, same clock). */
  reopen(extra?: Partial<CapabilityStoreOptions>): Promise<CapabilityStore>;
  close(): Promise<void>;
}

/** Creates a {@link Fixture}; `wrap` may wrap the database (fault injection). */
export async function openFixture(
  extra: Partial<CapabilityStoreOptions> = {},
  wrap: (db: Database) => Database = (db) => db,
): Promise<Fixture> {
  const dir = await tempDir();
  const clock = new FakeClock();
  const ring = await RuntimeKeyRing.openOrCreate(join(dir, 'keys'), clock.now);
  const open = async (more: Partial<CapabilityStoreOptions>) => {
    const db = wrap(await LevelDatabase.open(join(dir, 'home')));
    const store = await CapabilityStore.open({
      db,
      signer: ring,
      trustedKeys: TrustedKeys.fromKeyRing(ring),
      now: clock.now,
      ...more,
    });
    return { db, store };
  };
  const first = await open(extra);
  const fixture: Fixture = {
    dir,
    ring,
    clock,
    db: first.db,
    store: first.store,
    async reopen(more = {}) {
      await fixture.db.close();
      const next = await open({ ...extra, ...more });
      fixture.db = next.db;
      fixture.store = next.store;
      return next.store;
    },
    async close() {
      await fixture.db.close();
      await removeDir(dir);
    },
  };
  return fixture;
}

/** The `code` of what `fn` throws (or the error's name when it has no code); undefined if it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name;
  }
  return undefined;
}

/** The `code` a promise rejects with (or the error's name); undefined if it resolves. */
export async function asyncCodeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name;
  }
  return undefined;
}

/** A persistent grant of every file under /ws to AGENT (the common token of the attack tests). */
export const WS_ALL: MintParams = {
  resources: [{ action: 'file_read', pattern: 'file:///ws/**' }],
  subject: AGENT,
  auditEntryId: AUDIT,
  scope: 'persistent',
};
/** A read of /ws/a.txt. */
export const READ_A = readFile('/ws/a.txt');
