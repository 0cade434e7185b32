import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { RotatingLogFile } from './log-file.js';

/** Options of {@link createDaemonLogger}. */
export interface DaemonLoggerOptions {
  /** The data dir: logs go to `<home>/logs/astridd.log`. */
  readonly home: string;
  readonly level?: string;
  /** Secret strings (the daemon token, provider keys) replaced by `[redacted]` wherever they appear. */
  readonly secrets?: readonly (string | undefined)[];
  /** Rotate when the log would grow past this, at start and while running (default 10 MiB). */
  readonly rotateBytes?: number;
  /** Rotated files kept (`astridd.log.1` newest … `.N` oldest); default 3. */
  readonly keepFiles?: number;
}

/** Field paths redacted in every log line, whatever their value. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'api_key',
  '*.api_key',
  '*.*.api_key',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
];

/** Default size at which the log rotates, in bytes. */
export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
/** Default number of rotated files kept. */
export const LOG_KEEP_FILES = 3;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The daemon's structured log (pino, JSON lines) in `<home>/logs/` (0700, files 0600),
 * rotated by size at start and while running (see {@link RotatingLogFile}). Two layers keep secrets out: known field paths are redacted by
 * pino, and every line is scrubbed of the given secret strings before it is written, so a
 * token or key that ends up inside a message or an error is not written either.
 */
export function createDaemonLogger(options: DaemonLoggerOptions): Logger {
  const dir = join(options.home, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, 'astridd.log');
  const file = new RotatingLogFile(
    path,
    options.rotateBytes ?? LOG_ROTATE_BYTES,
    options.keepFiles ?? LOG_KEEP_FILES,
  );
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const pattern = secrets.length === 0 ? undefined : new RegExp(secrets.map(escapeRegExp).join('|'), 'g');
  const stream = {
    write(line: string): void {
      // Scrubbed before it is written (and before a rotation could put it in another file).
      file.write(pattern === undefined ? line : line.replace(pattern, '[redacted]'));
    },
  };
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    stream,
  );
}
