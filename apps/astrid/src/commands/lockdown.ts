import type { Command } from 'commander';
import type { Context } from '../context.js';

/** `astrid lockdown [--reason]` and `astrid unlock`: the kill switch. */
export function registerLockdown(program: Command, ctx: Context): void {
  program
    .command('lockdown')
    .description('kill switch: cancel every turn, kill processes, deny pending approvals, refuse actions')
    .option('--reason <text>', 'recorded in the audit log')
    .option('--json', 'machine-readable output')
    .action(async (opts: { reason?: string; json?: boolean }) => {
      const r = await ctx.withClient((c) =>
        c.call('daemon.lockdown', opts.reason === undefined ? {} : { reason: opts.reason }),
      );
      if (opts.json === true) return ctx.out.json(r);
      ctx.out.line(
        `LOCKED DOWN (epoch ${r.epoch}): ${r.cancelledTurns} turn(s) cancelled, ${r.killedProcesses} process(es) killed, ` +
          `${r.deniedApprovals} approval(s) denied, ${r.droppedAllowances} allowance(s) dropped, ${r.revokedTokens} token(s) revoked`,
      );
      ctx.out.line('every action is refused until `astrid unlock`');
    });

  program
    .command('unlock')
    .description('release the kill switch')
    .option('--reason <text>', 'recorded in the audit log')
    .option('--json', 'machine-readable output')
    .action(async (opts: { reason?: string; json?: boolean }) => {
      const r = await ctx.withClient((c) =>
        c.call('daemon.unlock', opts.reason === undefined ? {} : { reason: opts.reason }),
      );
      if (opts.json === true) return ctx.out.json(r);
      ctx.out.line(r.active ? 'still locked down' : 'unlocked');
    });
}
