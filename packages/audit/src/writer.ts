import { AstridError, type AuditSeq } from '@astrid/core';
import type { BatchOperation, Database } from '@astrid/storage';
import { type AuditCheckpoint, type CheckpointSigner, signCheckpoint } from './checkpoint.js';
import type { AuditEntry } from './entry.js';
import { type PreparedEntry, sealEntry } from './prepare.js';
import { type AuditStores, indexKey, seqKey } from './stores.js';

/** Something waiting for the writer: an entry to append, or a checkpoint of the head. */
export type Job =
  | {
      readonly type: 'entry';
      readonly prepared: PreparedEntry;
      resolve(e: AuditEntry): void;
      reject(e: unknown): void;
    }
  | { readonly type: 'checkpoint'; resolve(cp: AuditCheckpoint | null): void; reject(e: unknown): void };

/** The chain state the writer extends: last seq (-1 when empty) and hash, checkpoint schedule. */
export interface ChainState {
  seq: number;
  hash: string;
  nextDue: number;
  checkpoint: AuditCheckpoint | null;
}

type Outcome =
  | {
      readonly ok: true;
      readonly firstSeq: number;
      readonly prevHash: string;
      readonly hashes: readonly string[];
    }
  | { readonly ok: false; readonly error: AstridError };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The serialized writer with group commit. One batch is in flight at a time; appends that
 * arrive meanwhile queue, and when the batch completes all queued jobs go into the next
 * batch, written with `sync: true`, so they share one fsync. The next batch is submitted
 * before the completed batch's callers are woken: their next appends are prepared while it
 * is being written and go into the batch after. The chain state moves only when a batch is
 * durable, so a failed batch leaves a head from which the next batch extends a valid chain.
 */
export class ChainWriter {
  private readonly queue: Job[] = [];
  private running = false;

  constructor(
    private readonly db: Database,
    private readonly stores: AuditStores,
    private readonly signer: CheckpointSigner,
    readonly state: ChainState,
    private readonly every: number,
    private readonly maxBatch: number,
    private readonly now: () => number,
  ) {}

  /** Queues a job and starts the writer if it is idle. */
  enqueue(job: Job): void {
    this.queue.push(job);
    if (this.running) return;
    this.running = true;
    // Start after the current synchronous run, so that appends made together (a burst, a
    // Promise.all) share the first batch instead of the first one going alone.
    queueMicrotask(() => void this.run());
  }

  private async run(): Promise<void> {
    let jobs = this.queue.splice(0, this.maxBatch);
    let pending = this.submit(jobs);
    for (;;) {
      const outcome = await pending;
      const next = this.queue.splice(0, this.maxBatch);
      if (next.length > 0) pending = this.submit(next);
      else this.running = false; // released before the callers wake, so a next append starts a batch at once
      settle(jobs, outcome, this.state.checkpoint);
      if (next.length === 0) return;
      jobs = next;
    }
  }

  /** Builds and writes one batch; never throws. Applies the new state once it is durable. */
  private async submit(jobs: readonly Job[]): Promise<Outcome> {
    const { entries, byKind, bySession, checkpoints } = this.stores;
    const ops: BatchOperation[] = [];
    const hashes: string[] = [];
    const start = this.state;
    let { seq, hash, nextDue, checkpoint } = start;
    const firstSeq = seq + 1;
    try {
      const timestamp = this.now();
      let wantCheckpoint = false;
      for (const job of jobs) {
        if (job.type === 'checkpoint') {
          wantCheckpoint = true;
          continue;
        }
        seq++;
        const sealed = sealEntry(job.prepared, seq, hash);
        const key = seqKey(seq);
        const { kind, sessionId } = job.prepared.fields;
        ops.push(entries.putOp(key, { hash: sealed.hash, body: sealed.body }));
        ops.push(byKind.putOp(indexKey(kind, key), seq));
        if (sessionId !== undefined) ops.push(bySession.putOp(indexKey(sessionId, key), seq));
        hashes.push(sealed.hash);
        hash = sealed.hash;
        if (seq >= nextDue) {
          checkpoint = signCheckpoint(this.signer, seq, hash, seq + this.every, timestamp);
          ops.push(checkpoints.putOp(key, checkpoint));
          nextDue = checkpoint.next;
        }
      }
      if (wantCheckpoint && seq >= 0 && seq > (checkpoint?.seq ?? -1)) {
        checkpoint = signCheckpoint(this.signer, seq, hash, seq + this.every, timestamp);
        ops.push(checkpoints.putOp(seqKey(seq), checkpoint));
        nextDue = checkpoint.next;
      }
      if (ops.length > 0) await this.db.batch(ops, { sync: true });
    } catch (err) {
      const count = seq - firstSeq + 1;
      const error = new AstridError(
        'AUDIT_APPEND_FAILED',
        `audit append failed, ${count} entr${count === 1 ? 'y was' : 'ies were'} not written: ${(err as Error).message}`,
        { cause: err },
      );
      return { ok: false, error };
    }
    const prevHash = start.hash;
    Object.assign(this.state, { seq, hash, nextDue, checkpoint });
    return { ok: true, firstSeq, prevHash, hashes };
  }
}

/** Wakes a batch's callers with their entries (or checkpoint), or with the failure. */
function settle(jobs: readonly Job[], outcome: Outcome, checkpoint: AuditCheckpoint | null): void {
  if (!outcome.ok) {
    for (const job of jobs) job.reject(outcome.error);
    return;
  }
  let i = 0;
  for (const job of jobs) {
    if (job.type === 'checkpoint') {
      job.resolve(checkpoint);
      continue;
    }
    // The prepared fields object is this append's own: completing it avoids a copy.
    const entry = job.prepared.fields as Mutable<AuditEntry>;
    entry.seq = (outcome.firstSeq + i) as AuditSeq;
    entry.prevHash = i === 0 ? outcome.prevHash : (outcome.hashes[i - 1] as string);
    entry.hash = outcome.hashes[i] as string;
    i++;
    job.resolve(entry);
  }
}
