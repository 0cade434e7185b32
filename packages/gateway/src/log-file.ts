import { closeSync, fchmodSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/**
 * An append-only log file rotated by size: before a line would take it past `limitBytes`,
 * `path` becomes `path.1` (`.1` → `.2` … up to `keep`, the oldest dropped) and a new file is
 * started. Writes are synchronous and whole lines, so a line is never split across files,
 * lost in a rotation, or reordered; a rotation is a few renames, not a copy. Files are 0600.
 */
export class RotatingLogFile {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly limitBytes: number,
    private readonly keep: number,
  ) {
    if (!Number.isSafeInteger(limitBytes) || limitBytes < 1)
      throw new RangeError(`"limitBytes" expected a positive integer, got ${limitBytes}`);
    if (!Number.isSafeInteger(keep) || keep < 1 || keep > 100)
      throw new RangeError(`"keep" expected 1-100, got ${keep}`);
    this.fd = RotatingLogFile.open(path);
    this.size = fstatSync(this.fd).size;
    // A file left over the limit by the last run is rotated before this run writes to it.
    if (this.size > limitBytes) this.rotate();
  }

  /** Appends one line (with its newline), rotating first if it would pass the limit. */
  write(line: string): void {
    const bytes = Buffer.from(line, 'utf8');
    if (this.size > 0 && this.size + bytes.length > this.limitBytes) this.rotate();
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written);
    this.size += bytes.length;
  }

  /** Moves the current file to `.1` (shifting the older ones) and starts a new one. */
  rotate(): void {
    closeSync(this.fd);
    for (let i = this.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        // That generation does not exist yet.
      }
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = RotatingLogFile.open(this.path);
    this.size = 0;
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }

  private static open(path: string): number {
    const fd = openSync(path, 'a', 0o600);
    fchmodSync(fd, 0o600);
    return fd;
  }
}
