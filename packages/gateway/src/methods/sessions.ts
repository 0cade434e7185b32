import {
  AstridError,
  type SessionId,
  type SessionInfo,
  sessionId,
  WIRE_ERROR_CODES,
  WireError,
} from '@astrid/core';
import { type SessionSummary, summarize } from '@astrid/runtime';
import type { GatewayContext } from '../context.js';
import type { Handlers } from '../rpc.js';

type SessionHandlers = Pick<
  Handlers,
  | 'session.create'
  | 'session.list'
  | 'session.get'
  | 'session.send'
  | 'session.cancel'
  | 'session.delete'
  | 'session.cleanup'
  | 'session.subscribe'
  | 'session.unsubscribe'
  | 'budget.get'
>;

/** How long `session.cancel` waits for the cancelled turn to stop before it answers anyway. */
const CANCEL_WAIT_MS = 5_000;

/** Resolves when `p` settles or after `ms`, whichever comes first; never rejects. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([p.then(noop, noop), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
const noop = (): void => {};

/** The error every action-starting method gives while the kill switch is engaged. */
export function lockedDown(): WireError {
  return new WireError(WIRE_ERROR_CODES.LOCKED_DOWN, 'the daemon is in lockdown: daemon.unlock first', {
    code: 'LOCKED_DOWN',
  });
}

function info(ctx: GatewayContext, s: SessionSummary): SessionInfo {
  return {
    id: s.id,
    label: s.label,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    status: s.status,
    ...(s.parent === undefined ? {} : { parent: s.parent }),
    depth: s.depth,
    messages: s.messages,
    interrupted: s.interrupted,
    running: ctx.runtime.session(s.id)?.currentTurn !== undefined,
    spentMicros: s.spentMicros,
    provider: s.llm?.provider ?? ctx.runtime.provider.name,
    model: s.llm?.model ?? ctx.runtime.provider.model,
    workspace: s.workspace ?? ctx.runtime.workspace,
    lastSeq: ctx.sessionLog.lastSeq(s.id),
  };
}

async function summaryOf(ctx: GatewayContext, id: SessionId): Promise<SessionSummary> {
  return summarize(await ctx.sessionStore.load(id));
}

/** `session.*` and `budget.get`. */
export function sessionHandlers(ctx: GatewayContext): SessionHandlers {
  return {
    'session.create': async (p) => {
      // A mode stricter than the config's is honoured per session; a looser one is refused.
      // Provider and model are names only: keys come from the daemon's config and environment.
      // The workspace is any directory the boundary accepts, with its own .astrid/config.toml
      // (which can only tighten); the daemon's own when none is asked for.
      const session = await ctx.runtime.createSession({
        ...(p.workspace === undefined ? {} : { workspace: p.workspace }),
        ...(p.label === undefined ? {} : { label: p.label }),
        ...(p.mode === undefined ? {} : { mode: p.mode }),
        ...(p.provider === undefined ? {} : { provider: p.provider }),
        ...(p.model === undefined ? {} : { model: p.model }),
      });
      return info(ctx, await summaryOf(ctx, session.id));
    },

    'session.list': async ({ status }) => {
      const all = await ctx.runtime.listSessions();
      return {
        sessions: all.filter((s) => status === undefined || s.status === status).map((s) => info(ctx, s)),
      };
    },

    'session.get': async ({ sessionId: raw }) => {
      const id = sessionId(raw);
      const summary = await summaryOf(ctx, id);
      const live = ctx.runtime.session(id);
      const b = live?.budget();
      return {
        ...info(ctx, summary),
        budget: {
          sessionId: id,
          spent: b?.spent ?? summary.spentMicros,
          reserved: b?.reserved ?? 0,
          limit: b?.limit ?? null,
        },
      };
    },

    'session.send': async ({ sessionId: raw, text }) => {
      if (ctx.lockdown.active) throw lockedDown();
      const session = await ctx.liveSession(sessionId(raw));
      if (session.interrupted) {
        throw new AstridError(
          'INVALID_ARGUMENT',
          `session ${session.id} is resuming an interrupted turn; wait for it`,
        );
      }
      // The turn id is known once the turn starts; the listener sees the event after the
      // gateway's own listener recorded it, so its seq is the stream's last one.
      let unsubscribe: () => void = () => {};
      const started = new Promise<{ turnId: string; seq: number }>((resolve) => {
        unsubscribe = ctx.runtime.subscribe((e) => {
          if (e.type === 'turn_started' && e.agent.session === session.id) {
            resolve({ turnId: e.turnId, seq: ctx.sessionLog.lastSeq(e.agent.root) });
          }
        });
      });
      try {
        const turn = session.send(text);
        turn.catch((err: unknown) => ctx.logger.error({ err, session: session.id }, 'turn failed'));
        const ended = turn.then((result) => {
          throw new AstridError(
            'INTERNAL',
            `the turn ended before it started: ${result.error?.message ?? result.status}`,
          );
        });
        return await Promise.race([started, ended]);
      } finally {
        unsubscribe();
      }
    },

    'session.cancel': async ({ sessionId: raw }) => {
      const id = sessionId(raw);
      const live = ctx.runtime.session(id);
      const turn = live?.currentTurn;
      live?.cancel('cancelled by a frontend');
      // Questions asked for a session that is not loaded (an MCP server's) are withdrawn too.
      const withdrawn = await ctx.runtime.elicitations.cancelSession(id, 'cancelled by a frontend');
      // Answer once the turn has stopped and its record says so (bounded: a tool that ignores
      // the abort must not hold the caller), so a restart right after never resumes it.
      if (turn !== undefined) await settledWithin(turn, CANCEL_WAIT_MS);
      return { cancelled: turn !== undefined || withdrawn > 0 };
    },

    'session.delete': async ({ sessionId: raw }) => {
      const id = sessionId(raw);
      const summary = await summaryOf(ctx, id);
      // Ending keeps the session's audit entries (and writes session_ended); only the
      // daemon's copy of its event stream is dropped.
      if (summary.status !== 'ended') await (await ctx.liveSession(id)).end();
      for (const conn of ctx.connections) conn.unsubscribeSession(id);
      await ctx.sessionLog.drop(id);
      return { deleted: true };
    },

    'session.cleanup': async ({ olderThanMs }) => {
      const cutoff = ctx.now() - (olderThanMs ?? 0);
      let removed = 0;
      for (const s of await ctx.runtime.listSessions()) {
        if (s.status === 'ended' && s.updatedAt <= cutoff && (await ctx.sessionLog.drop(s.id)) > 0) removed++;
      }
      return { removedEventLogs: removed };
    },

    'session.subscribe': async ({ sessionId: raw, since }, conn) => {
      const id = sessionId(raw);
      await ctx.sessionStore.load(id); // SESSION_NOT_FOUND before anything is registered
      const { replayed, lastSeq } = await conn.subscribeSession(id, async () =>
        (await ctx.sessionLog.readSince(id, since ?? ctx.sessionLog.lastSeq(id))).map((e) => ({
          sessionId: id,
          epoch: e.epoch,
          seq: e.seq,
          event: e.payload,
        })),
      );
      return { replayed, lastSeq: Math.max(lastSeq, ctx.sessionLog.lastSeq(id)), epoch: ctx.epoch };
    },

    'session.unsubscribe': ({ sessionId: raw }, conn) => {
      conn.unsubscribeSession(sessionId(raw));
      return { subscribed: false };
    },

    'budget.get': async ({ sessionId: raw }) => {
      const id = sessionId(raw);
      const live = ctx.runtime.session(id);
      if (live !== undefined) {
        const b = live.budget();
        return { sessionId: id, spent: b.spent, reserved: b.reserved, limit: b.limit ?? null };
      }
      const r = await ctx.sessionStore.load(id);
      const limit = r.budget.limit === undefined ? null : r.budget.limit + r.budget.extra;
      return { sessionId: id, spent: r.budget.spent, reserved: 0, limit };
    },
  };
}
