import { StreamProtocolError } from './errors.js';

// The SDKs type their stream events but do not check them at run time; a proxy or a
// hostile server can send anything. These checks turn a wrong shape into a clear
// `malformed_stream` error instead of a TypeError deep in a translator.

/** A plain object view of `value`, or a `malformed_stream` error naming `where`. */
export function objectAt(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StreamProtocolError('malformed_stream', `${where}: expected an object`);
  }
  return value as Readonly<Record<string, unknown>>;
}

/** `value` as a string, or a `malformed_stream` error naming `where`. */
export function stringAt(value: unknown, where: string): string {
  if (typeof value !== 'string')
    throw new StreamProtocolError('malformed_stream', `${where}: expected a string`);
  return value;
}

/** `value` as a non-negative integer, or a `malformed_stream` error naming `where`. */
export function indexAt(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StreamProtocolError('malformed_stream', `${where}: expected a non-negative integer`);
  }
  return value;
}

/** A token count: a non-negative integer, or `fallback` when absent or null. */
export function tokensAt(value: unknown, fallback: number, where: string): number {
  if (value === undefined || value === null) return fallback;
  return indexAt(value, where);
}

/** Upper bound on one tool call's accumulated argument text. */
export const MAX_ARGUMENT_CHARS = 8 * 1024 * 1024;

/** Appends `delta` to a tool call's argument text, refusing to grow without bound. */
export function appendArguments(current: string, delta: string, id: string): string {
  if (current.length + delta.length > MAX_ARGUMENT_CHARS) {
    throw new StreamProtocolError(
      'malformed_stream',
      `tool call ${id}: arguments exceed ${MAX_ARGUMENT_CHARS} characters`,
    );
  }
  return current + delta;
}
