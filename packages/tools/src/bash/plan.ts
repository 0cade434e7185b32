import { analyzeCommand, type CommandAnalysis } from '@astrid/approval';
import type { SensitiveAction } from '@astrid/core';
import { canonicalJson } from '@astrid/crypto';
import { ToolError } from '../errors.js';

/** The argv that actually runs a command line (the tool spawns exactly this). */
export function shellArgv(command: string): string[] {
  return ['bash', '--noprofile', '--norc', '-c', command];
}

/** A command line's actions and the analysis they came from. */
export interface BashActions {
  readonly actions: SensitiveAction[];
  readonly analysis: CommandAnalysis;
}

/**
 * Maps a command line to the actions the interceptor judges: an `execute_command` for every
 * simple command the parser finds (each with the directory it runs in), then every file and
 * network action derived from them (redirection targets as writes), deduplicated.
 *
 * The interceptor's policy stage re-analyses each `execute_command` from its argv alone, so
 * what only the whole line shows (an unquoted glob, `$X`, `$(…)`, `&`, a parse error, a
 * program fed through a pipe) would be lost. When the analysis is unresolved, or finds no
 * command at all, the first action is therefore the line as it really runs:
 * `bash --noprofile --norc -c <line>`. The policy follows `bash -c` strings, so it sees the
 * whole line: unresolved (critical, never auto-allowed), its globs checked against denied
 * paths, and a shell (Allow Once only).
 */
export async function bashActions(
  command: string,
  cwd: string,
  env: Readonly<Record<string, string>>,
  home: string,
): Promise<BashActions> {
  let analysis: CommandAnalysis;
  try {
    analysis = await analyzeCommand(command, { cwd, home: env.HOME ?? home, env });
  } catch (err) {
    throw new ToolError(`the command could not be analysed: ${(err as Error).message}`);
  }
  const actions: SensitiveAction[] = [];
  const seen = new Set<string>();
  const add = (a: SensitiveAction) => {
    const key = canonicalJson(a);
    if (seen.has(key)) return;
    seen.add(key);
    actions.push(a);
  };
  if (analysis.unresolved.length > 0 || analysis.commands.length === 0) {
    add({ kind: 'execute_command', argv: shellArgv(command), cwd });
  }
  for (const a of analysis.actions) add(a);
  return { actions, analysis };
}

/** True when two action lists are the same, in order (canonical JSON). */
export function sameActions(a: readonly SensitiveAction[], b: readonly SensitiveAction[]): boolean {
  return a.length === b.length && a.every((x, i) => canonicalJson(x) === canonicalJson(b[i]));
}
