import { posix } from 'node:path';
import { loadShellParser } from './parser.js';
import type { AnalyzeOptions, CommandAnalysis } from './types.js';
import { ShellReader } from './walk.js';
import { literalWord } from './words.js';

function checkOptions(options: AnalyzeOptions): void {
  if (typeof options?.cwd !== 'string' || !posix.isAbsolute(options.cwd)) {
    throw new RangeError(`"cwd" expected an absolute path, got ${JSON.stringify(options?.cwd)}`);
  }
  if (typeof options.home !== 'string' || !posix.isAbsolute(options.home)) {
    throw new RangeError(`"home" expected an absolute path, got ${JSON.stringify(options.home)}`);
  }
}

function reader(options: AnalyzeOptions): ShellReader {
  const home = posix.resolve(options.home);
  return new ShellReader(home, { HOME: home, ...options.env });
}

/**
 * Reads a shell command line the way bash would run it and lists every simple command in
 * it (pipelines, lists, subshells, substitutions, `bash -c` strings, wrappers), each with
 * its argv, program identity, derived actions and the reasons it cannot be fully judged.
 */
export async function analyzeCommand(command: string, options: AnalyzeOptions): Promise<CommandAnalysis> {
  if (typeof command !== 'string') throw new TypeError(`"command" expected a string, got ${typeof command}`);
  checkOptions(options);
  await loadShellParser();
  const r = reader(options);
  r.source(command, { cwds: [posix.resolve(options.cwd)], via: [], depth: 0 });
  return r.out.result();
}

/**
 * Reads an argv run without a shell (an `execute_command` action): no expansion happens,
 * but wrappers, `bash -c` strings and known programs are still followed.
 */
export async function analyzeArgv(
  argv: readonly string[],
  options: AnalyzeOptions,
): Promise<CommandAnalysis> {
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) {
    throw new TypeError('"argv" expected an array of strings');
  }
  checkOptions(options);
  await loadShellParser();
  const r = reader(options);
  r.run(argv.map(literalWord), { cwds: [posix.resolve(options.cwd)], via: [], depth: 0 });
  return r.out.result();
}
