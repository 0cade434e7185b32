import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

/** astridd's command line, validated. */
export interface DaemonFlags {
  /** The data dir; default `$ASTRID_HOME`, else `~/.astrid`. */
  readonly home?: string;
  /** The workspace the runtime serves; default the current directory. */
  readonly workspace?: string;
  readonly listen?: { readonly host: string; readonly port: number };
  readonly allowRemote: boolean;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly allowedOrigins: readonly string[];
  readonly ephemeral: boolean;
  /** Seconds an ephemeral daemon waits after its last client left. */
  readonly gracePeriodSeconds: number;
  readonly logLevel: string;
  readonly help: boolean;
}

/** A command line astridd refuses: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The `--help` text. */
export const USAGE = `usage: astridd [options]

  --home <dir>            data dir (default $ASTRID_HOME, else ~/.astrid)
  --workspace <dir>       workspace the agent works in (default: the current directory)
  --listen <host:port>    also listen on TCP (port 0 picks one); loopback only unless
                          --allow-remote with --tls-cert and --tls-key
  --allow-remote          allow --listen on an address off loopback (needs TLS)
  --tls-cert <file>       PEM certificate for a remote listener
  --tls-key <file>        PEM private key for a remote listener
  --allow-origin <origin> accept WebSocket upgrades with this Origin (repeatable)
  --ephemeral             exit after the last client disconnects and a grace period
  --grace-period <s>      seconds to wait with no client (default 30)
  --log-level <level>     trace, debug, info, warn, error (default info)
  -h, --help              this text
`;

/** True for loopback addresses (127.0.0.0/8, ::1) and `localhost`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

function parseListen(value: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(value);
  if (match === null) throw new UsageError(`--listen expects host:port, got ${JSON.stringify(value)}`);
  const port = Number(match[2]);
  if (port > 65535) throw new UsageError(`--listen port ${port} is out of range`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

/**
 * Parses astridd's flags. Refuses (UsageError) to listen off loopback unless
 * `--allow-remote` and both TLS files are given: an unencrypted remote listener would send
 * the bearer token and every approval in clear text.
 */
export function parseFlags(argv: readonly string[]): DaemonFlags {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const listen = values.listen === undefined ? undefined : parseListen(values.listen);
  const allowRemote = values['allow-remote'] === true;
  if (listen !== undefined && !isLoopback(listen.host)) {
    if (!allowRemote) {
      throw new UsageError(`--listen ${listen.host} is not a loopback address: add --allow-remote and TLS`);
    }
    if (values['tls-cert'] === undefined || values['tls-key'] === undefined) {
      throw new UsageError(`--listen ${listen.host} off loopback needs --tls-cert and --tls-key`);
    }
  }
  const grace = values['grace-period'] === undefined ? 30 : Number(values['grace-period']);
  if (!Number.isFinite(grace) || grace < 0) {
    throw new UsageError(`--grace-period expects seconds, got ${JSON.stringify(values['grace-period'])}`);
  }
  return {
    ...(values.home === undefined ? {} : { home: values.home }),
    ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
    ...(listen === undefined ? {} : { listen }),
    allowRemote,
    ...(values['tls-cert'] === undefined ? {} : { tlsCert: values['tls-cert'] }),
    ...(values['tls-key'] === undefined ? {} : { tlsKey: values['tls-key'] }),
    allowedOrigins: values['allow-origin'] ?? [],
    ephemeral: values.ephemeral === true,
    gracePeriodSeconds: grace,
    logLevel: values['log-level'] ?? 'info',
    help: values.help === true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      home: { type: 'string' },
      workspace: { type: 'string' },
      listen: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      ephemeral: { type: 'boolean' },
      'grace-period': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
