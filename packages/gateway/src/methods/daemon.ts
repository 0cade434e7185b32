import { HELLO_CONTEXT, PROTOCOL_VERSION, principalId } from '@astrid/core';
import { toHex, utf8 } from '@astrid/crypto';
import type { GatewayContext } from '../context.js';
import type { Handlers } from '../rpc.js';

type DaemonHandlers = Pick<
  Handlers,
  'daemon.hello' | 'daemon.status' | 'daemon.shutdown' | 'daemon.lockdown' | 'daemon.unlock'
>;

const LOCKDOWN_REASON = 'denied by the kill switch (daemon.lockdown)';

/** `daemon.*`: hello (proof of the runtime key), status, shutdown and the kill switch. */
export function daemonHandlers(ctx: GatewayContext): DaemonHandlers {
  return {
    'daemon.hello': ({ nonce, client }, conn) => {
      if (client !== undefined) conn.clientName = client.name;
      // Signing a fresh client nonce under a fixed context proves the answering process
      // holds the runtime's secret key: a process that took over a freed port cannot.
      const { keyId, signature } = ctx.keys.sign(utf8(`${HELLO_CONTEXT}${nonce}`));
      return {
        protocol: PROTOCOL_VERSION,
        version: ctx.version,
        epoch: ctx.epoch,
        keyId,
        publicKey: toHex(ctx.keys.publicKey),
        signature: toHex(signature),
        connection: conn.identity,
      };
    },

    'daemon.status': async () => {
      const summaries = await ctx.runtime.listSessions();
      const top = summaries.filter((s) => s.parent === undefined);
      const running = top.filter((s) => ctx.runtime.session(s.id)?.currentTurn !== undefined).length;
      return {
        version: ctx.version,
        protocol: PROTOCOL_VERSION,
        pid: process.pid,
        epoch: ctx.epoch,
        startedAt: ctx.startedAt,
        uptimeMs: Math.max(0, ctx.now() - ctx.startedAt),
        workspace: ctx.workspace,
        workspaces: [
          ...new Set(top.filter((s) => s.status === 'active').map((s) => s.workspace ?? ctx.workspace)),
        ].sort((a, b) => (a === ctx.workspace ? -1 : b === ctx.workspace ? 1 : a.localeCompare(b))),
        provider: { name: ctx.runtime.provider.name, model: ctx.runtime.provider.model },
        sessions: {
          total: top.length,
          active: top.filter((s) => s.status === 'active').length,
          running,
        },
        pendingApprovals: ctx.runtime.approvals.pending().length,
        connections: ctx.connections.size,
        // #5 reports whether bubblewrap actually runs; until it does, only the setting is known.
        sandbox: {
          configured: ctx.config.tools.bash.sandbox ?? 'auto',
          active: ctx.runtime.sandbox.sandboxed ? 'yes' : 'no',
          ...(ctx.runtime.sandbox.warning === undefined ? {} : { warning: ctx.runtime.sandbox.warning }),
          ...(ctx.runtime.sandbox.refusal === undefined
            ? {}
            : { refusal: ctx.runtime.sandbox.refusal.message }),
        },
        lockdown: ctx.lockdown.current,
      };
    },

    'daemon.shutdown': () => {
      // Answered first; the owner stops the daemon on the next tick.
      setImmediate(() => ctx.requestShutdown());
      return { stopping: true };
    },

    'daemon.lockdown': async ({ reason, userId }, conn) => {
      const by = `${userId ?? 'operator'}@${conn.identity}`;
      // Engaged in memory before any await: every gate refuses from this line on. Then the
      // most dangerous first: running commands die (before the state is even on disk), every
      // open question is answered "no" (denied, not cancelled, so the record says the kill
      // switch refused it), and the turns stop.
      const engaged = ctx.lockdown.engage(ctx.now(), by, reason);
      const killedProcesses = ctx.runtime.processes.killAll();
      // Questions to the human are withdrawn at once (synchronously; audited meanwhile).
      const cancelledElicitations = ctx.runtime.elicitations.cancelAll('the daemon was locked down');
      const state = await engaged;
      let deniedApprovals = 0;
      for (const request of ctx.runtime.approvals.pending()) {
        const denied = await ctx.runtime.approvals
          .answer(
            request.id,
            { decision: 'deny', reason: LOCKDOWN_REASON },
            { principal: principalId('lockdown'), frontend: 'kill-switch', connection: conn.identity },
          )
          .then(
            () => true,
            () => false, // cancelled with its turn meanwhile: not pending any more either way
          );
        if (denied) deniedApprovals++;
      }
      // Every "Allow Session" and every session-scoped token stops authorizing anything;
      // persistent "Allow Always" tokens stay (revoke them one by one with token.revoke).
      const droppedAllowances = await ctx.runtime.allowances.dropAll();
      let revokedTokens = 0;
      for (const { token, revoked } of ctx.runtime.capabilities.list()) {
        if (token.scope !== 'session' || revoked) continue;
        await ctx.runtime.capabilities.revoke(token.id);
        revokedTokens++;
      }
      const elicitations = await cancelledElicitations;
      let cancelledTurns = 0;
      for (const summary of await ctx.runtime.listSessions()) {
        const live = ctx.runtime.session(summary.id);
        if (live?.currentTurn !== undefined) {
          live.cancel('the daemon was locked down');
          cancelledTurns++;
        }
      }
      await ctx.runtime.audit.append({
        kind: 'lockdown',
        principal: userId ?? 'operator',
        decision: { verdict: 'deny', reason: `lockdown: ${reason ?? 'no reason given'}` },
        details: {
          event: 'lockdown',
          epoch: state.epoch,
          by,
          cancelledTurns,
          killedProcesses,
          deniedApprovals,
          droppedAllowances,
          revokedTokens,
          cancelledElicitations: elicitations,
        },
      });
      ctx.logger.warn(
        { by, epoch: state.epoch, cancelledTurns, killedProcesses, deniedApprovals },
        'lockdown',
      );
      ctx.broadcastDaemonEvent('lockdown');
      return { ...state, cancelledTurns, killedProcesses, deniedApprovals, droppedAllowances, revokedTokens };
    },

    'daemon.unlock': async ({ reason, userId }, conn) => {
      const by = `${userId ?? 'operator'}@${conn.identity}`;
      const before = ctx.lockdown.current;
      const state = await ctx.lockdown.release();
      await ctx.runtime.audit.append({
        kind: 'unlock',
        principal: userId ?? 'operator',
        decision: { verdict: 'allow', reason: `unlock: ${reason ?? 'no reason given'}` },
        details: { event: 'unlock', epoch: state.epoch, by, wasActive: before.active },
      });
      ctx.logger.warn({ by, epoch: state.epoch }, 'unlock');
      ctx.broadcastDaemonEvent('unlock');
      await ctx.resumeInterrupted();
      return state;
    },
  };
}
