import { isAbsolute, resolve } from 'node:path';
import { AstridClient, resolveDataDir } from '@astrid/client';
import { AstridError, WireError } from '@astrid/core';
import { CliError, type CliIo, Output } from './io.js';

/** The CLI's version, sent in `daemon.hello`. */
export const CLI_VERSION = '0.1.0';

/** What every command gets: output, the data dir, and a way to reach the daemon. */
export interface Context {
  readonly io: CliIo;
  readonly out: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The data dir: `--home`, else `$ASTRID_HOME`, else `~/.astrid`. */
  home(): string;
  /** Runs `fn` with a verified client of the running daemon, closing it afterwards. */
  withClient<T>(fn: (client: AstridClient) => Promise<T>): Promise<T>;
}

/** Builds the context; `globals` reads the parsed global options lazily (after parsing). */
export function makeContext(io: CliIo, globals: () => { home?: string }): Context {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const home = (): string => {
    const flag = globals().home;
    if (flag !== undefined) return isAbsolute(flag) ? flag : resolve(cwd, flag);
    return resolveDataDir(env);
  };
  return {
    io,
    out: new Output(io),
    env,
    cwd,
    home,
    async withClient(fn) {
      const dir = home();
      let client: AstridClient;
      try {
        client = await AstridClient.connect({
          home: dir,
          env,
          reconnect: false,
          clientName: 'astrid-cli',
          clientVersion: CLI_VERSION,
        });
      } catch (err) {
        if (err instanceof AstridError && err.code === 'DAEMON_UNAVAILABLE') {
          // Starting an ephemeral daemon here is later #7 work; until then, name the fix.
          throw new CliError(`no daemon is running for ${dir}: start it with \`astridd --home ${dir}\``, 1, {
            cause: err,
          });
        }
        throw err;
      }
      try {
        return await fn(client);
      } finally {
        await client.close();
      }
    },
  };
}

/** The fix to suggest for a daemon error code, if there is a standard one. */
function fixFor(code: string): string | undefined {
  if (code === 'LOCKED_DOWN') return 'the kill switch is engaged: run `astrid unlock` when it is safe';
  if (code === 'KEY_NOT_FOUND') return 'start the daemon once so it creates its key (`astridd`)';
  if (code === 'APPROVAL_ALREADY_RESOLVED' || code === 'APPROVAL_NOT_FOUND' || code === 'APPROVAL_EXPIRED')
    return 'see `astrid approvals list --state pending`';
  if (code === 'SESSION_NOT_FOUND') return 'see `astrid sessions list`';
  if (code === 'INVALID_PARAMS') return 'check the arguments: `astrid --help`';
  if (code === 'NOT_SUPPORTED') return 'this daemon version cannot do it yet';
  return undefined;
}

/** One line for an error; with `debug`, the code, cause chain and stack follow. */
export function describeError(err: unknown, debug: boolean): { line: string; detail?: string } {
  let code: string | undefined;
  if (err instanceof AstridError) code = err.code;
  else if (err instanceof WireError) code = err.astridCode;
  const message = err instanceof Error ? err.message : String(err);
  const fix = code === undefined ? undefined : fixFor(code);
  const line = `astrid: ${message}${fix === undefined || message.includes(fix) ? '' : ` (${fix})`}`;
  if (!debug) return { line };
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof AstridError) parts.push(`code: ${current.code}`);
    if (current instanceof WireError) parts.push(`wire: ${current.code} ${current.astridCode}`);
    if (current instanceof Error) {
      parts.push(current.stack ?? `${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return { line, detail: parts.join('\n') };
}
