import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '@astrid/config';
import { createDaemonLogger, Gateway } from '@astrid/gateway';
import { ensureSafeHome, resolveAstridHome } from '@astrid/storage';
import type { DaemonFlags } from './flags.js';
import { acquireDaemonLock, type DaemonLock } from './lock.js';

/** What `daemon.json` holds (0600): how clients reach and authenticate to this run. */
export interface DaemonFile {
  readonly socket: string;
  /** Only with `--listen`. */
  readonly url?: string;
  /** 256 random bits, hex, new every start. */
  readonly token: string;
  readonly pid: number;
}

/** A running daemon. */
export interface RunningDaemon {
  readonly home: string;
  readonly gateway: Gateway;
  /** Resolves when the daemon has stopped (signal, `daemon.shutdown`, ephemeral timeout). */
  readonly stopped: Promise<void>;
  /** Stops it: stop accepting, close clients, final audit checkpoint, close the DB, remove daemon.json. */
  stop(reason: string): Promise<void>;
}

/** Where runDaemon writes diagnostics meant for a human (stderr). */
export type Say = (line: string) => void;

async function writeDaemonFile(home: string, info: DaemonFile): Promise<void> {
  const path = join(home, 'daemon.json');
  const temp = `${path}.tmp-${process.pid}`;
  // Written to a 0600 temp file and renamed: readers never see a partial or loose file.
  await fs.rm(temp, { force: true });
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, path);
}

/** Where the bash tool's process groups are recorded for the next start's sweep. */
export const PROCESS_RECORD = 'run/processes.json';

async function sweepLeftovers(
  gateway: Gateway,
  home: string,
  logger: ReturnType<typeof createDaemonLogger>,
  say: Say,
): Promise<void> {
  const report = await gateway.runtime.processes.recordTo(join(home, PROCESS_RECORD), (err) =>
    logger.warn({ err: err.message }, 'could not update the process record'),
  );
  for (const group of report.killed) {
    logger.warn({ pid: group.pid, command: group.command }, 'killed a process group left by a previous run');
  }
  if (report.killed.length > 0) {
    const list = report.killed.map((g) => `${g.pid} (${g.command})`).join(', ');
    say(`astridd: killed ${report.killed.length} process group(s) left by a previous run: ${list}`);
  }
  for (const group of report.reused) {
    logger.info({ pid: group.pid }, 'a recorded pid is another process now; left alone');
  }
  if (report.note !== undefined) logger.warn(report.note);
}

/**
 * Starts the daemon: data dir checked (0700, ours), the lock taken, config loaded, the
 * runtime and key opened (the key is created on first start), the gateway listening,
 * process groups left by a crashed run killed (see {@link PROCESS_RECORD}), then
 * `daemon.json` written. Signals, `daemon.shutdown` and `--ephemeral` stop it cleanly.
 */
export async function runDaemon(
  flags: DaemonFlags,
  env: NodeJS.ProcessEnv = process.env,
  say: Say = (line) => process.stderr.write(`${line}\n`),
): Promise<RunningDaemon> {
  const home = flags.home === undefined ? resolveAstridHome(env) : resolve(flags.home);
  const workspace = resolve(flags.workspace ?? process.cwd());
  await ensureSafeHome(home);
  const lock: DaemonLock = await acquireDaemonLock(home);
  const token = randomBytes(32).toString('hex');
  let gateway: Gateway | undefined;
  try {
    const { config } = await loadConfig({ home, workspace, env });
    const logger = createDaemonLogger({
      home,
      level: flags.logLevel,
      secrets: [token, config.model.api_key, env.ANTHROPIC_API_KEY, env.OPENAI_API_KEY, env.ZAI_API_KEY],
    });
    if (process.getuid?.() === 0) {
      say('astridd: warning: running as root; the agent would act with root privileges');
      logger.warn('running as root');
    }
    let stopping: Promise<void> | undefined;
    let resolveStopped: () => void = () => {};
    const stopped = new Promise<void>((r) => {
      resolveStopped = r;
    });
    let graceTimer: NodeJS.Timeout | undefined;
    const graceMs = flags.gracePeriodSeconds * 1000;
    const armGrace = (count: number) => {
      if (!flags.ephemeral) return;
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      graceTimer = undefined;
      if (count === 0) graceTimer = setTimeout(() => void stop('ephemeral: no client left'), graceMs);
    };
    const stop = (reason: string): Promise<void> => {
      if (stopping !== undefined) return stopping;
      stopping = (async () => {
        logger.info({ reason }, 'stopping');
        if (graceTimer !== undefined) clearTimeout(graceTimer);
        await fs.rm(join(home, 'daemon.json'), { force: true });
        await gateway?.close();
        await lock.release();
        logger.info('stopped');
        logger.flush();
        resolveStopped();
      })();
      return stopping;
    };
    gateway = await Gateway.start({
      home,
      workspace,
      config,
      token,
      env,
      logger,
      ...(flags.listen === undefined
        ? {}
        : {
            listen: {
              ...flags.listen,
              ...(flags.tlsCert === undefined || flags.tlsKey === undefined
                ? {}
                : { tls: { cert: await fs.readFile(flags.tlsCert), key: await fs.readFile(flags.tlsKey) } }),
            },
          }),
      allowedOrigins: flags.allowedOrigins,
      // A session may work in another directory: its config is loaded with that workspace's
      // layer (which can only tighten); a broken one refuses the session, not the daemon.
      runtime: { workspaceConfig: async (root) => (await loadConfig({ home, workspace: root, env })).config },
      onShutdownRequest: () => void stop('daemon.shutdown'),
      onConnections: armGrace,
    });
    // Before any client can connect (daemon.json is not written yet): kill what a crashed
    // run left behind, then record every process group this run starts.
    await sweepLeftovers(gateway, home, logger, say);
    await writeDaemonFile(home, {
      socket: gateway.socketPath as string,
      ...(gateway.url === undefined ? {} : { url: gateway.url }),
      token,
      pid: process.pid,
    });
    armGrace(gateway.connectionCount);
    // Said at every start (and in daemon.status and on every command's approval card).
    const { sandbox } = gateway.runtime;
    if (sandbox.warning !== undefined) {
      say(`astridd: warning: ${sandbox.warning}`);
      logger.warn({ sandbox: sandbox.mode }, sandbox.warning);
    }
    if (sandbox.refusal !== undefined) {
      say(`astridd: warning: ${sandbox.refusal.message}`);
      logger.warn({ sandbox: sandbox.mode }, sandbox.refusal.message);
    }
    logger.info({ home, workspace, socket: gateway.socketPath, url: gateway.url }, 'astridd ready');
    const running = gateway;
    return { home, gateway: running, stopped, stop };
  } catch (err) {
    await gateway?.close().catch(() => undefined);
    await lock.release();
    throw err;
  }
}
