import type { CommandContext, Cwds } from './context.js';

/**
 * Reads one program's argv and records what it does. Returns the new working directories
 * when the command changes directory for the commands after it (only `cd`/`pushd`).
 */
export type Handler = (ctx: CommandContext) => Cwds | undefined;
