#!/usr/bin/env node
import { isAstridError } from '@astrid/core';
import { runDaemon } from './daemon.js';
import { parseFlags, USAGE, UsageError } from './flags.js';
import { DaemonRunningError } from './lock.js';

/** The astridd binary: exit 0 after a clean stop, 1 on an error, 2 on a bad command line. */
async function main(): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`astridd: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let daemon: Awaited<ReturnType<typeof runDaemon>>;
  try {
    daemon = await runDaemon(flags);
  } catch (err) {
    if (err instanceof DaemonRunningError || isAstridError(err)) {
      process.stderr.write(`astridd: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void daemon.stop(signal));
  }
  process.stdout.write(`astridd ready (pid ${process.pid}, socket ${daemon.gateway.socketPath})\n`);
  await daemon.stopped;
  return 0;
}

main().then(
  (code) => {
    // Everything is closed by now; exit even if a library left a handle open.
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`astridd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
