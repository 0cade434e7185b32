import { type ApprovalRequest, approvalId, principalId, type SessionId, sessionId } from '@astrid/core';
import { APPROVAL_STREAM, type GatewayContext } from '../context.js';
import type { Handlers } from '../rpc.js';
import { lockedDown } from './sessions.js';

type ApprovalHandlers = Pick<
  Handlers,
  | 'approval.list'
  | 'approval.get'
  | 'approval.respond'
  | 'approval.subscribe'
  | 'approval.unsubscribe'
  | 'action.cancel'
  | 'elicitation.list'
  | 'elicitation.respond'
  | 'frontend.report'
>;

/** `approval.*`, `action.cancel`, `elicitation.*` and `frontend.report`. */
export function approvalHandlers(ctx: GatewayContext): ApprovalHandlers {
  return {
    'approval.list': async ({ state, sessionId: rawSession, limit }) => {
      const session: SessionId | undefined = rawSession === undefined ? undefined : sessionId(rawSession);
      const max = limit ?? 100;
      const pending =
        state === undefined || state === 'pending' ? ctx.runtime.approvals.pending(session) : [];
      if (state === 'pending' || pending.length >= max) return { approvals: pending.slice(0, max) };
      // Final requests come from the approval event log: the latest record of each id.
      const out: ApprovalRequest[] = [...pending];
      const seen = new Set<string>(pending.map((r) => r.id));
      for await (const { payload } of ctx.approvalLog.newestFirst(APPROVAL_STREAM)) {
        if (out.length >= max) break;
        const r = payload.request;
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        if (r.state === 'pending') continue; // still pending: listed above, or resolved since
        if (state !== undefined && r.state !== state) continue;
        if (session !== undefined && r.session !== session) continue;
        out.push(r);
      }
      return { approvals: out };
    },

    'approval.get': ({ id }) => ctx.runtime.approvals.get(approvalId(id)),

    'approval.respond': async ({ id, decision, reason, amount, userId }, conn) => {
      if (ctx.lockdown.active && decision !== 'deny') throw lockedDown();
      // decidedBy comes from the authenticated connection; the frontend adds only which of
      // its users answered (a Telegram user id), recorded beside it and never instead of it.
      return ctx.runtime.approvals.answer(
        approvalId(id),
        {
          decision,
          ...(reason === undefined ? {} : { reason }),
          ...(amount === undefined ? {} : { budgetExtensionMicros: amount }),
        },
        {
          principal: principalId(userId ?? conn.id),
          frontend: conn.clientName,
          connection: conn.identity,
        },
      );
    },

    'approval.subscribe': async ({ since }, conn) => {
      const { replayed, lastSeq } = await conn.subscribeApprovals(async () =>
        (
          await ctx.approvalLog.readSince(APPROVAL_STREAM, since ?? ctx.approvalLog.lastSeq(APPROVAL_STREAM))
        ).map((e) => ({ epoch: e.epoch, seq: e.seq, ...e.payload })),
      );
      return {
        replayed,
        lastSeq: Math.max(lastSeq, ctx.approvalLog.lastSeq(APPROVAL_STREAM)),
        epoch: ctx.epoch,
      };
    },

    'approval.unsubscribe': (_p, conn) => {
      conn.unsubscribeApprovals();
      return { subscribed: false };
    },

    'action.cancel': ({ id }) => ({ cancelled: ctx.runtime.cancelAutoApply(id) }),

    'elicitation.list': ({ sessionId: raw }) => ({
      elicitations: ctx.runtime.elicitations.pending(raw === undefined ? undefined : sessionId(raw)),
    }),

    'elicitation.respond': ({ id, action, content, userId }, conn) => {
      // Under lockdown nothing is pending (the switch cancelled it all); refusing an accept
      // also closes the window between engaging the switch and that cancellation.
      if (ctx.lockdown.active && action === 'accept') throw lockedDown();
      // As for approvals: who answered is the authenticated connection, plus the user the
      // frontend reports. The content is never logged (it may hold a secret).
      return ctx.runtime.elicitations.respond(
        id,
        { action, ...(content === undefined ? {} : { content }) },
        {
          principal: userId ?? conn.id,
          decidedBy: `${userId ?? conn.clientName}@${conn.identity}`,
        },
      );
    },

    'frontend.report': async ({ event, message, userId, details }, conn) => {
      // A frontend's own security event (a refused Telegram user): recorded with the
      // connection's identity, so the log says which authenticated client reported it.
      const entry = await ctx.runtime.audit.append({
        kind: 'frontend_report',
        principal: userId ?? conn.id,
        details: {
          event: 'frontend_report',
          message,
          report: event,
          frontend: conn.clientName,
          connection: conn.identity,
          ...(details === undefined ? {} : { details }),
        },
      });
      ctx.logger.info({ event, frontend: conn.clientName, connection: conn.identity }, 'frontend report');
      return { auditSeq: entry.seq };
    },
  };
}
