import type { SessionInfo } from '@astrid/core';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { dollars, parseDuration, time } from '../format.js';
import { CliError, EXIT } from '../io.js';

function row(s: SessionInfo): string[] {
  const state = s.running ? 'running' : s.interrupted ? 'interrupted' : s.status;
  return [s.id, state, String(s.messages), dollars(s.spentMicros), time(s.updatedAt), s.label];
}

/** `astrid sessions list | show | delete | cleanup`. */
export function registerSessions(program: Command, ctx: Context): void {
  const sessions = program.command('sessions').description("the daemon's sessions");

  sessions
    .command('list')
    .description('list sessions')
    .option('--status <status>', 'active or ended')
    .option('--json', 'machine-readable output')
    .action(async (opts: { status?: string; json?: boolean }) => {
      if (opts.status !== undefined && opts.status !== 'active' && opts.status !== 'ended') {
        throw new CliError(
          `--status expects active or ended, got ${JSON.stringify(opts.status)}`,
          EXIT.usage,
        );
      }
      const status = opts.status as 'active' | 'ended' | undefined;
      const result = await ctx.withClient((c) =>
        c.call('session.list', status === undefined ? {} : { status }),
      );
      if (opts.json === true) return ctx.out.json(result);
      if (result.sessions.length === 0) return ctx.out.line('no sessions');
      ctx.out.table(['ID', 'STATE', 'MSGS', 'SPENT', 'UPDATED', 'LABEL'], result.sessions.map(row));
    });

  sessions
    .command('show <id>')
    .description("a session's details and budget")
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const s = await ctx.withClient((c) => c.call('session.get', { sessionId: id }));
      if (opts.json === true) return ctx.out.json(s);
      const { out } = ctx;
      out.line(`session  ${s.id}`);
      out.line(`label    ${s.label}`);
      out.line(`workspace ${s.workspace}`);
      out.line(`model    ${s.provider} / ${s.model}`);
      out.line(
        `status   ${s.status}${s.running ? ' (running)' : ''}${s.interrupted ? ' (interrupted)' : ''}`,
      );
      out.line(`created  ${time(s.createdAt)}`);
      out.line(`updated  ${time(s.updatedAt)}`);
      out.line(`messages ${s.messages}`);
      if (s.parent !== undefined) out.line(`parent   ${s.parent} (depth ${s.depth})`);
      const limit = s.budget.limit === null ? 'no limit' : `limit ${dollars(s.budget.limit)}`;
      out.line(`budget   spent ${dollars(s.budget.spent)}, reserved ${dollars(s.budget.reserved)}, ${limit}`);
      out.line(`events   up to seq ${s.lastSeq}`);
    });

  sessions
    .command('delete <id>')
    .description('delete a session and its event log (its audit entries stay)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const result = await ctx.withClient((c) => c.call('session.delete', { sessionId: id }));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(`deleted ${id}`);
    });

  sessions
    .command('cleanup')
    .description('remove the event logs of ended sessions')
    .option('--older-than <duration>', 'only sessions idle this long (30d, 12h, 90m)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { olderThan?: string; json?: boolean }) => {
      const olderThanMs =
        opts.olderThan === undefined ? undefined : parseDuration(opts.olderThan, '--older-than');
      const result = await ctx.withClient((c) =>
        c.call('session.cleanup', olderThanMs === undefined ? {} : { olderThanMs }),
      );
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(`removed ${result.removedEventLogs} event log(s)`);
    });
}
