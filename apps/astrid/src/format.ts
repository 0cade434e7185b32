import { CliError, EXIT } from './io.js';

/** An ISO time for a millisecond timestamp (`-` for none). */
export function time(ms: number | null | undefined): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : '-';
}

/** A dollar amount from micro-dollars. */
export function dollars(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(4)}`;
}

const UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses `30d`, `12h`, `90m`, `45s`, `2w` to milliseconds; a usage error otherwise. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(text.trim());
  if (match === null) {
    throw new CliError(
      `${option} expects a duration like 30d, 12h or 90m, got ${JSON.stringify(text)}`,
      EXIT.usage,
    );
  }
  return Number(match[1]) * (UNITS[match[2] as string] ?? 0);
}

/** Parses a non-negative integer argument; a usage error otherwise. */
export function parseIntArg(text: string, name: string): number {
  if (!/^\d{1,15}$/.test(text))
    throw new CliError(`${name} expects a non-negative integer, got ${JSON.stringify(text)}`, EXIT.usage);
  return Number(text);
}
