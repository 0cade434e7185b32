#!/usr/bin/env node
import { startEarlyLaunch } from './early.js';

// The bin: the process's own streams and environment; the exit code is run's. `astrid chat`
// with no daemon running starts one first, while the rest of the CLI loads.
startEarlyLaunch(process.argv.slice(2), process.env, process.cwd());
const { run } = await import('./program.js');
const code = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  streams: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
});
process.exitCode = code;
// Done: a Ctrl-C while the last handles close ends the process with this code rather than
// killing it by the signal.
process.on('SIGINT', () => process.exit(code));
