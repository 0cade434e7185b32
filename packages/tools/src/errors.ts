import { isAstridError } from '@astrid/core';

/**
 * A failure meant for the agent: the message is shown to it verbatim as an error tool
 * result, so it must say what went wrong and what to do, and never carry a secret.
 */
export class ToolError extends Error {
  override readonly name = 'ToolError';
}

/**
 * Thrown by a write or edit at execution time when the file no longer has the BLAKE3 the
 * approved diff was computed from: `invokeTool` re-plans and asks again, because the
 * approval must be for what is actually written.
 */
export class StaleBaseError extends ToolError {
  constructor(
    readonly path: string,
    readonly expected: string | null,
    readonly actual: string | null,
  ) {
    super(`${path} changed after its diff was approved; it was not written`);
  }
}

/** Thrown when the call was cancelled (ctx.signal); the interceptor audits it as cancelled. */
export class ToolCancelledError extends ToolError {
  constructor(what = 'the tool call') {
    super(`${what} was cancelled`);
  }
}

const MAX_MESSAGE = 1000;

// Node's system errors name the syscall and path; the path may be a /proc/self/fd alias that
// means nothing to the agent, so the common ones get a plain sentence instead.
const SYSTEM_MESSAGES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'is a symbolic link (files are opened without following links)',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EBUSY: 'resource busy',
  EXDEV: 'cannot rename across file systems',
};

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/**
 * The text an agent sees for a failure: the message only, never a stack trace, and for
 * unknown errors only their class and message, clipped.
 */
export function describeError(err: unknown): string {
  if (err instanceof ToolError) return clip(err.message);
  if (isAstridError(err)) return clip(`${err.code}: ${err.message}`);
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code in SYSTEM_MESSAGES) return `${code}: ${SYSTEM_MESSAGES[code]}`;
    if (err.name === 'AbortError') return 'the tool call was cancelled';
    return clip(`${err.name}: ${err.message}`);
  }
  return 'the tool failed with a non-error value';
}

/** The system error code of `err`, if it is one (ENOENT, ELOOP...). */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
