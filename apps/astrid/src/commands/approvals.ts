import { APPROVAL_STATES, type ApprovalDecision, type ApprovalRequest, resourceUri } from '@astrid/core';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { time } from '../format.js';
import { CliError, EXIT } from '../io.js';

function resource(request: ApprovalRequest): string {
  try {
    return resourceUri(request.action);
  } catch {
    return request.action.kind;
  }
}

function decided(r: ApprovalRequest): string {
  const by = r.decidedBy === undefined ? '' : ` by ${r.decidedBy.frontend}`;
  const why = r.reason === undefined ? '' : `: ${r.reason}`;
  return `${r.id} ${r.state}${r.decision === undefined ? '' : ` (${r.decision})`}${by}${why}`;
}

/** `astrid approvals list | approve | deny`: answer from a script or a second terminal. */
export function registerApprovals(program: Command, ctx: Context): void {
  const approvals = program.command('approvals').description('approval requests of every session');

  approvals
    .command('list')
    .description('list approval requests (newest first as the daemon returns them)')
    .option('--state <state>', APPROVAL_STATES.join(', '))
    .option('--session <id>', 'only this session')
    .option('--json', 'machine-readable output')
    .action(async (opts: { state?: string; session?: string; json?: boolean }) => {
      const state = opts.state;
      if (state !== undefined && !(APPROVAL_STATES as readonly string[]).includes(state)) {
        throw new CliError(
          `--state expects one of ${APPROVAL_STATES.join(', ')}, got ${JSON.stringify(state)}`,
          EXIT.usage,
        );
      }
      const result = await ctx.withClient((c) =>
        c.call('approval.list', {
          ...(state === undefined ? {} : { state: state as (typeof APPROVAL_STATES)[number] }),
          ...(opts.session === undefined ? {} : { sessionId: opts.session }),
        }),
      );
      if (opts.json === true) return ctx.out.json(result);
      if (result.approvals.length === 0) return ctx.out.line('no approval requests');
      ctx.out.table(
        ['ID', 'STATE', 'RISK', 'ACTION', 'SESSION', 'EXPIRES', 'SUMMARY'],
        result.approvals.map((r) => [
          r.id,
          r.state,
          r.risk,
          resource(r),
          r.session,
          time(r.expiresAt),
          r.summary,
        ]),
      );
    });

  approvals
    .command('approve <id>')
    .description('allow a pending request (once, unless --session or --always)')
    .option('--session', 'allow this kind of action for the rest of the session')
    .option('--always', 'allow it from now on (a standing rule)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { session?: boolean; always?: boolean; json?: boolean }) => {
      if (opts.session === true && opts.always === true) {
        throw new CliError('--session and --always cannot be combined: choose one', EXIT.usage);
      }
      const decision: ApprovalDecision =
        opts.always === true ? 'allow_always' : opts.session === true ? 'allow_session' : 'allow_once';
      const result = await ctx.withClient((c) => c.call('approval.respond', { id, decision }));
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(decided(result));
    });

  approvals
    .command('deny <id>')
    .description('deny a pending request; the reason goes back to the agent')
    .option('--reason <text>', 'why (the agent sees it)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { reason?: string; json?: boolean }) => {
      const result = await ctx.withClient((c) =>
        c.call('approval.respond', {
          id,
          decision: 'deny',
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        }),
      );
      if (opts.json === true) return ctx.out.json(result);
      ctx.out.line(decided(result));
    });
}
