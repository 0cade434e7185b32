import { Command, CommanderError } from 'commander';
import { registerApprovals } from './commands/approvals.js';
import { registerAudit } from './commands/audit.js';
import { registerChat } from './commands/chat.js';
import { registerConfig } from './commands/config.js';
import { registerDaemon } from './commands/daemon.js';
import { registerInit } from './commands/init.js';
import { registerKeys } from './commands/keys.js';
import { registerLockdown } from './commands/lockdown.js';
import { registerSessions } from './commands/sessions.js';
import { registerTokens } from './commands/tokens.js';
import { CLI_VERSION, describeError, makeContext } from './context.js';
import { CliError, type CliIo, EXIT, type ExitCode } from './io.js';
import { sanitize } from './sanitize.js';

interface GlobalOptions {
  home?: string;
  debug?: boolean;
}

/** The commander program, writing to `io`; a fresh one per run (commander keeps state). */
function buildProgram(io: CliIo, globals: () => GlobalOptions): Command {
  const program = new Command('astrid')
    .description('Astrid: a secure runtime for AI agents')
    .version(CLI_VERSION)
    .option('--home <dir>', 'data dir (default $ASTRID_HOME, else ~/.astrid)')
    .option('--debug', 'print error details')
    // Set before the subcommands exist: commander copies both into every subcommand.
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError(true);
  const ctx = makeContext(io, globals);
  registerChat(program, ctx);
  registerInit(program, ctx);
  registerDaemon(program, ctx);
  registerSessions(program, ctx);
  registerApprovals(program, ctx);
  registerTokens(program, ctx);
  registerAudit(program, ctx);
  registerConfig(program, ctx);
  registerKeys(program, ctx);
  registerLockdown(program, ctx);
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after `astrid`) and resolves with the exit code:
 * 0 ok, 1 error, 2 usage, 3 verification failed. It never calls `process.exit` and writes
 * only through `io`, so tests run it in-process.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let program: Command | undefined;
  const globals = (): GlobalOptions => (program?.opts() ?? {}) as GlobalOptions;
  program = buildProgram(io, globals);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      // commander has printed its message already (unknown option, missing argument...).
      return EXIT.usage;
    }
    if (err instanceof CliError && err.message === '') return err.exitCode; // already reported
    const usage = err instanceof CliError && err.exitCode === EXIT.usage;
    const { line, detail } = describeError(err, globals().debug === true);
    io.stderr(`${sanitize(line)}${usage ? ' (see astrid --help)' : ''}\n`);
    if (detail !== undefined) io.stderr(`${sanitize(detail, { multiline: true })}\n`);
    return err instanceof CliError ? err.exitCode : EXIT.error;
  }
}
