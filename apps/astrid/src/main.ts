#!/usr/bin/env node
import { run } from './program.js';

// The bin: the process's own streams and environment; the exit code is run's.
const code = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  streams: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
});
process.exitCode = code;
