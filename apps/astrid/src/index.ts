export { renderWorkspaceConfig } from './commands/init.js';
export { CliError, type CliIo, EXIT, type ExitCode } from './io.js';
export { run } from './program.js';
export { type SanitizeOptions, safeJson, sanitize } from './sanitize.js';
