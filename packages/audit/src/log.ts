import { AstridError } from '@astrid/core';
import type { PublicKeyRecord } from '@astrid/crypto';
import type { Database } from '@astrid/storage';
import type { AuditCheckpoint, CheckpointSigner } from './checkpoint.js';
import type { AuditEntry } from './entry.js';
import { exportAuditJsonl } from './export.js';
import { AuditIds } from './ids.js';
import { type AuditAppendInput, type PreparedEntry, prepareEntry } from './prepare.js';
import { type AuditQuery, readCheckpoints, readEntries, readEntry } from './reader.js';
import { checkOptions, recoverHead } from './recover.js';
import { type AuditStores, auditStores } from './stores.js';
import { type VerifyAuditOptions, verifyAuditDatabase } from './verify-db.js';
import type { AuditVerifyResult } from './verify-result.js';
import { type ChainState, ChainWriter } from './writer.js';

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  readonly db: Database;
  /** Signs checkpoints; `RuntimeKeyRing` satisfies it (and its `history()` is then used to verify). */
  readonly signer: CheckpointSigner & { history?(): readonly PublicKeyRecord[] };
  /** The public key history that verifies checkpoints; defaults to `signer.history()`. */
  readonly keyHistory?: () => readonly PublicKeyRecord[];
  readonly now?: () => number;
  /** Sign a checkpoint at least every this many entries (default 256). */
  readonly checkpointEvery?: number;
  /** ...and every this many seconds while entries arrive (default 5; 0 turns the timer off). */
  readonly checkpointSeconds?: number;
  /** Most entries in one group-committed batch (default 1024). */
  readonly maxBatch?: number;
  /** Told when a timer checkpoint cannot be written (the next tick tries again). */
  readonly onError?: (err: unknown) => void;
}

/** Options of {@link AuditLog.append}. */
export interface AppendOptions {
  /**
   * The entry is prepared (validated, redacted, its text written) at once but queued for
   * writing only once this settles, and not at all if it rejects: the append then rejects
   * with its error. A caller overlaps the preparing with something it must wait for first.
   */
  readonly after?: Promise<unknown>;
}

/**
 * The append-only audit log: one BLAKE3 hash chain over every entry, indexes by session and
 * kind, and signed checkpoints. Appends are serialized and durable when `append` resolves:
 * each batch is written with `sync: true`, and appends that arrive while a batch is being
 * written are group-committed into the next one, so they share one fsync. There is no way to
 * delete or rewrite an entry through this API.
 */
export class AuditLog {
  private readonly stores: AuditStores;
  private readonly writer: ChainWriter;
  private readonly state: ChainState;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private readonly ids = new AuditIds();
  private readonly now: () => number;

  private constructor(
    private readonly options: AuditLogOptions,
    head: { seq: number; hash: string },
    checkpoint: AuditCheckpoint | null,
  ) {
    this.stores = auditStores(options.db);
    this.now = options.now ?? Date.now;
    // Without any checkpoint the first entry gets one, so a log always has a checkpoint at 0.
    const nextDue = checkpoint === null ? head.seq + 1 : checkpoint.next;
    this.state = { seq: head.seq, hash: head.hash, nextDue, checkpoint };
    this.writer = new ChainWriter(
      options.db,
      this.stores,
      options.signer,
      this.state,
      options.checkpointEvery ?? 256,
      options.maxBatch ?? 1024,
      this.now,
    );
    const seconds = options.checkpointSeconds ?? 5;
    if (seconds > 0) {
      this.timer = setInterval(() => this.timedCheckpoint(), seconds * 1000);
      this.timer.unref?.();
    }
  }

  /**
   * Opens the log in `options.db`, recovering its head (last seq and hash) and its last
   * checkpoint. Refuses (AUDIT_CORRUPT) to extend a chain whose tail is visibly damaged: a
   * last entry that does not parse or match its hash, or a last checkpoint naming an entry
   * that is missing or different. `verifyAuditDatabase` still works on such a database.
   */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    checkOptions(options);
    const { head, checkpoint } = await recoverHead(auditStores(options.db));
    return new AuditLog(options, head, checkpoint);
  }

  /** The last committed entry's seq and hash, or null while the log is empty. */
  get head(): { readonly seq: number; readonly hash: string } | null {
    return this.state.seq < 0 ? null : { seq: this.state.seq, hash: this.state.hash };
  }

  /** The most recent checkpoint written or recovered. */
  get checkpointHead(): AuditCheckpoint | null {
    return this.state.checkpoint;
  }

  /** The public key history used to verify this log's checkpoints. */
  keyHistory(): readonly PublicKeyRecord[] {
    const fromOption = this.options.keyHistory?.();
    if (fromOption !== undefined) return fromOption;
    if (typeof this.options.signer.history === 'function') return this.options.signer.history();
    throw new TypeError('"keyHistory" is needed to verify: the signer has no history()');
  }

  /** Entry `seq`, or undefined. */
  get(seq: number): Promise<AuditEntry | undefined> {
    return readEntry(this.stores, seq);
  }

  /** Entries by seq range, session and/or kind (see {@link AuditQuery}). */
  read(query: AuditQuery = {}): AsyncIterable<AuditEntry> {
    return readEntries(this.stores, query);
  }

  /** The stored checkpoints, by seq. */
  checkpoints(): AsyncIterable<AuditCheckpoint> {
    return readCheckpoints(this.stores);
  }

  /** Verifies the chain up to the current head (see {@link verifyAuditDatabase}). */
  verify(options: Partial<VerifyAuditOptions> = {}): Promise<AuditVerifyResult> {
    return verifyAuditDatabase(this.options.db, {
      keyHistory: options.keyHistory ?? this.keyHistory(),
      upToSeq: options.upToSeq ?? this.state.seq,
      ...(options.deep === undefined ? {} : { deep: options.deep }),
      ...(options.indexes === undefined ? {} : { indexes: options.indexes }),
    });
  }

  /** The log up to the current head as JSONL lines (see `verifyExport`). */
  exportJsonl(): AsyncIterable<string> {
    return exportAuditJsonl(this.options.db, {
      keyHistory: this.keyHistory(),
      head: this.head,
      now: this.now,
    });
  }

  /**
   * Appends one entry; resolves once it is durable (fsynced), with its seq and hash. Rejects
   * with AUDIT_APPEND_FAILED if it could not be written (the chain head does not move, so the
   * next append still extends a valid chain), and with TypeError/RangeError for bad input.
   */
  append(input: AuditAppendInput, options?: AppendOptions): Promise<AuditEntry> {
    if (this.closed) return Promise.reject(closedError());
    let prepared: PreparedEntry;
    try {
      prepared = prepareEntry(input, this.now(), this.ids.next());
    } catch (err) {
      return Promise.reject(err);
    }
    const after = options?.after;
    return after === undefined ? this.enqueue(prepared) : after.then(() => this.enqueue(prepared));
  }

  private enqueue(prepared: PreparedEntry): Promise<AuditEntry> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<AuditEntry>((resolve, reject) => {
      this.writer.enqueue({ type: 'entry', prepared, resolve, reject });
    });
  }

  /** Signs and stores a checkpoint of the current head now (after queued appends); null when empty. */
  checkpoint(): Promise<AuditCheckpoint | null> {
    return new Promise<AuditCheckpoint | null>((resolve, reject) => {
      this.writer.enqueue({ type: 'checkpoint', resolve, reject });
    });
  }

  /**
   * Stops accepting appends, writes those already queued, signs a final checkpoint and stops
   * the timer. The database stays open: it belongs to the caller.
   */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true;
      if (this.timer !== undefined) clearInterval(this.timer);
      this.closing = this.checkpoint().then(() => undefined);
    }
    return this.closing;
  }

  private timedCheckpoint(): void {
    if (this.closed || this.state.seq <= (this.state.checkpoint?.seq ?? -1)) return;
    this.checkpoint().catch((err: unknown) => this.options.onError?.(err));
  }
}

function closedError(): AstridError {
  return new AstridError('AUDIT_APPEND_FAILED', 'the audit log is closed');
}
