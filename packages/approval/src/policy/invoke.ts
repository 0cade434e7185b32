import { posix } from 'node:path';
import { ARCHIVE_HANDLERS } from './archives.js';
import { CommandContext, type Cwds, type Scope, type ShellHost } from './context.js';
import { FILE_HANDLERS } from './file-commands.js';
import { find } from './find.js';
import { git } from './git.js';
import type { Handler } from './handler.js';
import { HTTP_HANDLERS } from './http-clients.js';
import { INTERPRETER_HANDLERS, versionedInterpreter } from './interpreters.js';
import { NETWORK_SUBCOMMANDS, PACKAGE_HANDLERS, packageManager } from './packages.js';
import { READER_HANDLERS } from './readers.js';
import { REMOTE_HANDLERS } from './remote-commands.js';
import { SHELL_HANDLERS } from './shells.js';
import type { CommandWord } from './types.js';
import { excerpt } from './words.js';
import { WRAPPER_HANDLERS } from './wrappers.js';

/** Directories whose programs are the system's, not files the agent may have written. */
const SYSTEM_BIN = new Set([
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/opt/homebrew/bin',
]);

// bun and deno are both package managers and interpreters: the subcommand decides.
function bunOrDeno(ctx: CommandContext): Cwds | undefined {
  const sub = ctx.args.find((w) => !w.value.startsWith('-'))?.value;
  if (sub !== undefined && NETWORK_SUBCOMMANDS.has(sub)) return packageManager(ctx);
  return INTERPRETER_HANDLERS.get(ctx.name)?.(ctx);
}

const HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ...FILE_HANDLERS,
  ...READER_HANDLERS,
  ...ARCHIVE_HANDLERS,
  ...HTTP_HANDLERS,
  ...REMOTE_HANDLERS,
  ...PACKAGE_HANDLERS,
  ...INTERPRETER_HANDLERS,
  ...SHELL_HANDLERS,
  ...WRAPPER_HANDLERS,
  ['git', git],
  ['find', find],
  ['bun', bunOrDeno],
  ['deno', bunOrDeno],
]);

/**
 * Interprets one argv: records the command and its `execute_command` action, notes a
 * program run by path, then lets the program's handler derive what it does. Returns the
 * working directories for later commands when the command is a `cd`.
 */
export function invoke(
  host: ShellHost,
  words: readonly CommandWord[],
  scope: Scope,
  stdin?: string,
  pending: readonly string[] = [],
): Cwds | undefined {
  const program = words[0];
  if (program === undefined) return undefined;
  const record = host.out.startCommand(words, scope.cwds, scope.via);
  for (const reason of pending) host.out.note('unresolved', reason, record);
  const ctx = new CommandContext(host, record, scope, stdin);
  if (program.known && program.value.includes('/')) {
    // A program named by path may be a file the agent wrote: what it does is not visible.
    for (const path of record.resolvedPaths) {
      if (!SYSTEM_BIN.has(posix.dirname(path)))
        ctx.unresolved(`runs a program by path ${excerpt(program.value)}`);
    }
  }
  const handler = HANDLERS.get(record.basename) ?? versionedInterpreter(record.basename);
  return handler?.(ctx);
}
