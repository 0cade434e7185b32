import type { Command } from 'commander';
import type { Context } from '../context.js';
import { time } from '../format.js';

/** `astrid daemon status | stop`. */
export function registerDaemon(program: Command, ctx: Context): void {
  const daemon = program.command('daemon').description('the running daemon');

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
      out.line(`workspace: ${s.workspace}`);
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
