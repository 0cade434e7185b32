import { chmodSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';

/** Options of {@link createDaemonLogger}. */
export interface DaemonLoggerOptions {
  /** The data dir: logs go to `<home>/logs/astridd.log`. */
  readonly home: string;
  readonly level?: string;
  /** Secret strings (the daemon token, provider keys) replaced by `[redacted]` wherever they appear. */
  readonly secrets?: readonly (string | undefined)[];
  /** Rotate when the log is larger than this at start (default 10 MiB); 3 old files are kept. */
  readonly rotateBytes?: number;
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

const KEEP = 3;

function rotate(path: string, limit: number): void {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size <= limit) return;
  for (let i = KEEP - 1; i >= 1; i--) {
    try {
      renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    } catch {}
  }
  renameSync(path, `${path}.1`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The daemon's structured log (pino, JSON lines) in `<home>/logs/` (0700, files 0600),
 * rotated by size at start. Two layers keep secrets out: known field paths are redacted by
 * pino, and every line is scrubbed of the given secret strings before it is written, so a
 * token or key that ends up inside a message or an error is not written either.
 */
export function createDaemonLogger(options: DaemonLoggerOptions): Logger {
  const dir = join(options.home, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, 'astridd.log');
  rotate(path, options.rotateBytes ?? 10 * 1024 * 1024);
  const destination = pino.destination({ dest: path, sync: true, mode: 0o600 });
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const pattern = secrets.length === 0 ? undefined : new RegExp(secrets.map(escapeRegExp).join('|'), 'g');
  const stream = {
    write(line: string): void {
      destination.write(pattern === undefined ? line : line.replace(pattern, '[redacted]'));
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
