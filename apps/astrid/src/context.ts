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
  /**
   * A verified client that stays open (the caller closes it). With `launch`, a daemon is
   * started for that workspace when none runs (an ephemeral one: it exits after its last
   * client leaves); `launched` says whether that happened.
   */
  connect(options?: {
    readonly launch?: { readonly workspace: string };
    readonly reconnect?: boolean;
  }): Promise<{ client: AstridClient; launched: boolean }>;
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
      const { client } = await this.connect();
      try {
        return await fn(client);
      } finally {
        await client.close();
      }
    },
    async connect(options = {}) {
      const dir = home();
      const open = (): Promise<AstridClient> =>
        AstridClient.connect({
          home: dir,
          env,
          reconnect: options.reconnect === true ? {} : false,
          clientName: 'astrid-cli',
          clientVersion: CLI_VERSION,
        });
      try {
        const client = await open();
        if (options.launch === undefined) return { client, launched: false };
        const { launchedHere } = await import('./launch.js');
        return { client, launched: launchedHere(dir) };
      } catch (err) {
        if (!(err instanceof AstridError && err.code === 'DAEMON_UNAVAILABLE')) throw err;
        if (options.launch === undefined) {
          // Management commands never start a daemon: they are about the one that runs.
          throw new CliError(
            `no daemon is running for ${dir}: start one with \`astrid daemon run\` (or \`astrid chat\`)`,
            1,
            { cause: err },
          );
        }
      }
      // Loaded only here: management commands never pay for the launcher.
      const { launchEphemeral } = await import('./launch.js');
      try {
        await launchEphemeral({ home: dir, workspace: options.launch.workspace, env });
      } catch (err) {
        // Two chats started at once both launch a daemon; the loser's exits on the lock. The
        // winner is the daemon to use: wait for it before reporting the failed launch.
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          const client = await open().catch(() => undefined);
          if (client !== undefined) return { client, launched: false };
          await new Promise((r) => setTimeout(r, 100));
        }
        throw err;
      }
      return { client: await open(), launched: true };
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
