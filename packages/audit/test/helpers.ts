import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AstridError } from '@astrid/core';
import { generateKeyPair, keyIdOf, type PublicKeyRecord, sign, toHex } from '@astrid/crypto';
import {
  type BatchOperation,
  type Database,
  LevelDatabase,
  type Store,
  type WriteOptions,
} from '@astrid/storage';
import { type AuditAppendInput, AuditLog, type AuditLogOptions } from '../src/index.js';

export const T0 = 1_700_000_000_000;

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public t = T0) {}
  readonly now = (): number => this.t;
}

/** A checkpoint signer over an in-memory key pair, with its one-key history. */
export interface MemorySigner {
  readonly keyId: string;
  sign(message: Uint8Array): { keyId: string; signature: Uint8Array };
  history(): readonly PublicKeyRecord[];
}

/** A fresh in-memory signer. */
export function memorySigner(): MemorySigner {
  const pair = generateKeyPair();
  const keyId = keyIdOf(pair.publicKey);
  const record: PublicKeyRecord = { keyId, publicKey: toHex(pair.publicKey), createdAt: T0, retiredAt: null };
  return {
    keyId,
    sign: (message) => ({ keyId, signature: sign(message, pair.secretKey) }),
    history: () => [record],
  };
}

/**
 * Wraps a Database; while `failing` is set, every batch throws without writing (like a full
 * disk), and `batches` counts the batches that reached the real database.
 */
export class FaultyDatabase implements Database {
  failing = false;
  batches = 0;
  /** Entries written per batch (puts into the entries store). */
  readonly entriesPerBatch: number[] = [];
  /** While set, batches wait for it before writing (to hold one in flight). */
  gate: Promise<void> | undefined;
  constructor(private readonly inner: Database) {}
  get location(): string {
    return this.inner.location;
  }
  store<V>(name: string): Store<V> {
    return this.inner.store<V>(name);
  }
  async batch(operations: readonly BatchOperation[], options?: WriteOptions): Promise<void> {
    if (this.failing) throw new AstridError('STORAGE_FAILURE', 'injected fault: no space left on device');
    this.batches++;
    this.entriesPerBatch.push(operations.filter((op) => op.store === 'audit-entries').length);
    if (this.gate !== undefined) await this.gate;
    await this.inner.batch(operations, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A data dir with an open database and an audit log over it. */
export interface Fixture {
  readonly home: string;
  db: LevelDatabase;
  faulty: FaultyDatabase;
  log: AuditLog;
  readonly signer: MemorySigner;
  readonly clock: FakeClock;
  /** Closes the log and database and opens both again (the same signer and clock). */
  reopen(options?: Partial<AuditLogOptions>): Promise<AuditLog>;
  /** Closes everything and removes the data dir. */
  dispose(): Promise<void>;
}

/** Opens a fixture; `options` go to every AuditLog.open. */
export async function openFixture(options: Partial<AuditLogOptions> = {}): Promise<Fixture> {
  const home = await mkdtemp(join(tmpdir(), 'astrid-'));
  const signer = memorySigner();
  const clock = new FakeClock();
  const open = async (db: LevelDatabase, extra: Partial<AuditLogOptions>) => {
    const faulty = new FaultyDatabase(db);
    const log = await AuditLog.open({
      db: faulty,
      signer,
      now: clock.now,
      checkpointSeconds: 0,
      ...options,
      ...extra,
    });
    return { faulty, log };
  };
  const db = await LevelDatabase.open(home);
  const first = await open(db, {});
  let closed = false;
  const fx: Fixture = {
    home,
    db,
    faulty: first.faulty,
    log: first.log,
    signer,
    clock,
    async reopen(extra = {}) {
      await fx.log.close();
      await fx.db.close();
      fx.db = await LevelDatabase.open(home);
      const next = await open(fx.db, extra);
      fx.faulty = next.faulty;
      fx.log = next.log;
      return fx.log;
    },
    async dispose() {
      if (closed) return;
      closed = true;
      await fx.log.close().catch(() => undefined);
      await fx.db.close();
      await rm(home, { recursive: true, force: true });
    },
  };
  return fx;
}

/** A decision entry for `i`, in session `sess-<i % sessions>`. */
export function decision(i: number, sessions = 2): AuditAppendInput {
  return {
    kind: 'decision',
    principal: 'agent-1',
    sessionId: `sess-${i % sessions}`,
    action: { kind: 'execute_command', argv: ['echo', String(i)], cwd: '/ws' },
    decision: { verdict: 'allow', risk: 'high', proof: { policyRuleId: 'allow-echo' } },
  };
}

/** Appends `n` decision entries one after the other. */
export async function appendMany(log: AuditLog, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await log.append(decision(i));
}

/** Every file under the database directory, concatenated (to grep the bytes at rest). */
export async function rawDatabaseBytes(home: string): Promise<Buffer> {
  const dir = join(home, 'db');
  const parts: Buffer[] = [];
  for (const name of await readdir(dir)) parts.push(await readFile(join(dir, name)));
  return Buffer.concat(parts);
}
