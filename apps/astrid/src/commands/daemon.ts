import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { time } from '../format.js';
import { CliError, EXIT, type ExitCode } from '../io.js';

interface RunFlags {
  workspace?: string;
  ephemeral?: boolean;
  gracePeriod?: string;
  listen?: string;
  allowRemote?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  allowOrigin?: string[];
  logLevel?: string;
}

/** astridd's flags for `astrid daemon run`'s options (astridd validates them itself). */
function daemonArgs(home: string, f: RunFlags): string[] {
  const args = ['--home', home];
  if (f.workspace !== undefined) args.push('--workspace', f.workspace);
  if (f.ephemeral === true) args.push('--ephemeral');
  if (f.gracePeriod !== undefined) args.push('--grace-period', f.gracePeriod);
  if (f.listen !== undefined) args.push('--listen', f.listen);
  if (f.allowRemote === true) args.push('--allow-remote');
  if (f.tlsCert !== undefined) args.push('--tls-cert', f.tlsCert);
  if (f.tlsKey !== undefined) args.push('--tls-key', f.tlsKey);
  for (const origin of f.allowOrigin ?? []) args.push('--allow-origin', origin);
  if (f.logLevel !== undefined) args.push('--log-level', f.logLevel);
  return args;
}

/** `astrid daemon run | status | stop`. */
export function registerDaemon(program: Command, ctx: Context): void {
  const daemon = program.command('daemon').description('the running daemon');

  daemon
    .command('run')
    .description('run the daemon in the foreground (Ctrl-C stops it cleanly)')
    .option('--workspace <dir>', 'workspace the agent works in (default: the current directory)')
    .option('--ephemeral', 'exit after the last client disconnects and a grace period')
    .option('--grace-period <s>', 'seconds to wait with no client (default 30)')
    .option('--listen <host:port>', 'also listen on TCP (loopback unless --allow-remote with TLS)')
    .option('--allow-remote', 'allow --listen off loopback (needs --tls-cert and --tls-key)')
    .option('--tls-cert <file>', 'PEM certificate for a remote listener')
    .option('--tls-key <file>', 'PEM private key for a remote listener')
    .option('--allow-origin <origin...>', 'accept WebSocket upgrades with this Origin')
    .option('--log-level <level>', 'trace, debug, info, warn, error (default info)')
    .action(async (flags: RunFlags) => {
      const { daemonCommand } = await import('../launch.js');
      const cmd = daemonCommand();
      const streams = ctx.io.streams ?? {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
      };
      const child = spawn(cmd.node, [...cmd.args, ...daemonArgs(ctx.home(), flags)], {
        cwd: ctx.cwd,
        env: { ...ctx.env } as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(streams.stdout, { end: false });
      child.stderr?.pipe(streams.stderr, { end: false });
      // Ctrl-C reaches the whole foreground process group, astridd included; a SIGTERM sent
      // to this process alone is passed on, so astridd still writes its final checkpoint.
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      const onTerm = forward('SIGTERM');
      const onInt = forward('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c, signal) => resolve(c ?? (signal === null ? 1 : 0)));
      }).finally(() => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
      });
      // astridd printed its own error; its exit code (1 error, 2 usage) becomes ours.
      if (code !== 0) throw new CliError('', (code === 2 ? EXIT.usage : EXIT.error) as ExitCode);
    });

  daemon
    .command('status')
    .description("show the daemon's state")
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const s = await ctx.withClient((c) => c.call('daemon.status'));
      if (opts.json === true) return ctx.out.json(s);
      const { out } = ctx;
      out.line(
        `astridd ${s.version} (protocol ${s.protocol}), pid ${s.pid}, up ${Math.round(s.uptimeMs / 1000)} s`,
      );
      out.line(`workspace: ${s.workspace} (default)`);
      const others = s.workspaces.filter((w) => w !== s.workspace);
      if (others.length > 0) out.line(`  also:    ${others.join(', ')}`);
      out.line(`provider:  ${s.provider.name} / ${s.provider.model}`);
      out.line(`sessions:  ${s.sessions.total} (${s.sessions.active} active, ${s.sessions.running} running)`);
      out.line(`approvals: ${s.pendingApprovals} pending`);
      out.line(`clients:   ${s.connections}`);
      out.line(`sandbox:   ${s.sandbox.configured} (active: ${s.sandbox.active})`);
      if (s.sandbox.warning !== undefined) out.line(`  warning: ${s.sandbox.warning}`);
      if (s.sandbox.refusal !== undefined) out.line(`  refusal: ${s.sandbox.refusal}`);
      out.line(
        s.lockdown.active
          ? `LOCKED DOWN since ${time(s.lockdown.since)}${s.lockdown.reason === undefined ? '' : `: ${s.lockdown.reason}`} (astrid unlock)`
          : 'lockdown:  off',
      );
    });

  daemon
    .command('stop')
    .description('stop the daemon cleanly (it writes a final audit checkpoint)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('daemon.shutdown'));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line('the daemon is stopping');
    });
}
