import type { BatchOperation, Database, Store } from '@astrid/storage';
import { sortableNumberKey } from '@astrid/storage';

/** One recorded notification payload with its stream position. */
export interface LoggedEvent<T> {
  /** The daemon run that recorded it. */
  readonly epoch: string;
  /** 1, 2, 3... per stream, never reused, continued across restarts. */
  readonly seq: number;
  readonly payload: T;
}

/**
 * Persisted, gap-free sequences of notifications, one sequence per stream (a session id,
 * or one stream for every approval). A seq is assigned synchronously when the event is
 * appended, so live delivery and replay agree on the order; the write follows in a batch
 * (not fsynced: an event stream is not an acknowledgement, the audit log is the record,
 * and a LevelDB write survives the process being killed). `readSince` waits for pending
 * writes, so a reconnecting client replays exactly what it missed.
 */
export class SeqLog<T> {
  private readonly events: Store<LoggedEvent<T>>;
  private readonly heads: Store<number>;
  private readonly last = new Map<string, number>();
  private queue: BatchOperation[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;

  private constructor(
    private readonly db: Database,
    name: string,
    private readonly epoch: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.events = db.store(name);
    this.heads = db.store(`${name}-heads`);
  }

  /** Opens the log in store `name` of `db` and loads every stream's last seq. */
  static async open<T>(
    db: Database,
    name: string,
    epoch: string,
    onError: (err: unknown) => void = () => {},
  ): Promise<SeqLog<T>> {
    const log = new SeqLog<T>(db, name, epoch, onError);
    for await (const [stream, seq] of log.heads.entries()) log.last.set(stream, seq);
    return log;
  }

  /** The last seq of `stream` (0 when it has none). */
  lastSeq(stream: string): number {
    return this.last.get(stream) ?? 0;
  }

  /** Records `payload` as the next event of `stream`; the seq is final when this returns. */
  append(stream: string, payload: T): LoggedEvent<T> {
    const seq = this.lastSeq(stream) + 1;
    this.last.set(stream, seq);
    const event: LoggedEvent<T> = { epoch: this.epoch, seq, payload };
    this.queue.push(this.events.putOp(key(stream, seq), event), this.heads.putOp(stream, seq));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushQueue());
    }
    return event;
  }

  /** Events of `stream` with seq > `since`, oldest first (at most `limit`). */
  async readSince(stream: string, since: number, limit = Number.MAX_SAFE_INTEGER): Promise<LoggedEvent<T>[]> {
    await this.flushed();
    const out: LoggedEvent<T>[] = [];
    for await (const [, event] of this.events.entries({
      gt: key(stream, since),
      lt: `${stream}0`,
      limit,
    })) {
      out.push(event);
    }
    return out;
  }

  /** Every event of `stream`, newest first (for listings). */
  async *newestFirst(stream: string): AsyncIterable<LoggedEvent<T>> {
    await this.flushed();
    yield* iterate(this.events.entries({ gte: `${stream}/`, lt: `${stream}0`, reverse: true }));
  }

  /** Deletes a stream's stored events (its seq keeps counting); returns how many. */
  async drop(stream: string): Promise<number> {
    await this.flushed();
    const ops: BatchOperation[] = [];
    for await (const [k] of this.events.entries({ gte: `${stream}/`, lt: `${stream}0` })) {
      ops.push(this.events.delOp(k));
    }
    if (ops.length > 0) await this.db.batch(ops, { sync: false });
    return ops.length;
  }

  /** Resolves once every event appended so far is written. */
  async flushed(): Promise<void> {
    if (this.queue.length > 0) this.flushQueue();
    await this.writing;
  }

  private flushQueue(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const ops = this.queue;
    this.queue = [];
    this.writing = this.writing
      .then(() => this.db.batch(ops, { sync: false }))
      .catch((err: unknown) => this.onError(err));
  }
}

// Stream ids never contain '/', and '0' sorts right after '/': `${stream}0` bounds the stream.
function key(stream: string, seq: number): string {
  return `${stream}/${sortableNumberKey(seq)}`;
}

async function* iterate<T>(source: AsyncIterable<[string, T]>): AsyncIterable<T> {
  for await (const [, value] of source) yield value;
}
