import { join } from 'node:path';
import type { AstridConfig } from '@astrid/config';
import { AstridError, approvalEventType, principalId, type RuntimeEvent, type SessionId } from '@astrid/core';
import { randomId } from '@astrid/crypto';
import {
  DEMO_PRICING,
  DemoProvider,
  providerOrDemo,
  Runtime,
  type RuntimeOptions,
  SessionStore,
} from '@astrid/runtime';
import type { Database } from '@astrid/storage';
import { type Logger, pino } from 'pino';
import type { WebSocket } from 'ws';
import { Connection, type Peer } from './connection.js';
import { APPROVAL_STREAM, type ApprovalLogEntry, type GatewayContext } from './context.js';
import { SeqLog } from './event-log.js';
import { LockdownSwitch } from './lockdown.js';
import { adminHandlers } from './methods/admin.js';
import { approvalHandlers } from './methods/approvals.js';
import { daemonHandlers } from './methods/daemon.js';
import { sessionHandlers } from './methods/sessions.js';
import { gateProvider, type LlmProvider } from './provider-gate.js';
import { createDispatch } from './rpc.js';
import { type TcpListen, Transport } from './transport.js';

/** The daemon's version, reported by `daemon.hello` and `daemon.status`. */
export const GATEWAY_VERSION = '0.1.0';

/** Options of {@link Gateway.start}. */
export interface GatewayOptions {
  /** The data dir (`ASTRID_HOME`). */
  readonly home: string;
  readonly workspace: string;
  readonly config: AstridConfig;
  /** The bearer token every upgrade must present (256 random bits, new every start). */
  readonly token: string;
  /** The Unix socket; default `<home>/run/astridd.sock`; `null`: none (TCP only). */
  readonly socketPath?: string | null;
  readonly listen?: TcpListen;
  /** Origins allowed to connect; default none (a request with an `Origin` header is refused). */
  readonly allowedOrigins?: readonly string[];
  readonly version?: string;
  /** Environment for the provider's keys and config validation; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The LLM; default the configured one, or the demo when it has no key. */
  readonly provider?: LlmProvider;
  /** More runtime options (tests: `userHome`, `resolveHost`, `tools`, `wrapDb`...). */
  readonly runtime?: Partial<Omit<RuntimeOptions, 'home' | 'workspace' | 'config' | 'provider' | 'env'>>;
  /** The admin config file `config.validate` and `config.paths` use. */
  readonly adminConfigPath?: string;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Close a connection with more unread output than this (default 8 MiB). */
  readonly maxBufferedBytes?: number;
  /** `daemon.shutdown` was called: the owner should stop the daemon. */
  readonly onShutdownRequest?: () => void;
  /** The number of open connections changed (`--ephemeral` watches it). */
  readonly onConnections?: (count: number) => void;
  /** Resume turns interrupted by the last run at start (default true). */
  readonly resumeInterrupted?: boolean;
}

/**
 * The daemon's server: opens the runtime on the data dir and serves it over JSON-RPC 2.0
 * on WebSocket (Unix socket, optional TCP), with persisted, replayable event streams and
 * the kill switch.
 */
export class Gateway {
  private readonly autoApply = new Map<string, string>();
  private counter = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly context: GatewayContext,
    private readonly transport: Transport,
    private readonly options: GatewayOptions,
    private readonly detach: () => void,
    private readonly connections: Set<Connection>,
  ) {}

  /** Opens the runtime and starts listening. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const env = options.env ?? process.env;
    const now = options.now ?? Date.now;
    const logger = options.logger ?? pino({ enabled: false });
    let lockdown: LockdownSwitch | undefined;
    const inner = options.provider ?? providerOrDemo(options.config.model, env).provider;
    let db: Database | undefined;
    const extra = options.runtime ?? {};
    const runtime = await Runtime.open({
      ...extra,
      home: options.home,
      workspace: options.workspace,
      config: options.config,
      env,
      // Every model request is refused while the kill switch is engaged.
      provider: gateProvider(inner, () => lockdown?.active !== false),
      // So is every provider built for a session that asked for another model.
      wrapProvider: (p) => gateProvider(p, () => lockdown?.active !== false),
      // A lockdown bumps the epoch, which voids every outstanding Authorization, and
      // denies every action until unlock.
      epochs: { current: () => lockdown?.current.epoch ?? 0 },
      lockedDown: () => lockdown?.active !== false,
      pricing: extra.pricing ?? (inner instanceof DemoProvider ? DEMO_PRICING : options.config.model.pricing),
      // The gateway keeps its event streams and kill-switch state in the runtime's database
      // (LevelDB allows one process per database, and the daemon is that process).
      wrapDb: (level) => {
        db = extra.wrapDb ? extra.wrapDb(level) : level;
        return db;
      },
    });
    try {
      if (db === undefined) throw new AstridError('INTERNAL', 'the runtime did not open its database');
      const epoch = randomId('ep');
      const onLogError = (err: unknown) => logger.error({ err }, 'event log write failed');
      lockdown = await LockdownSwitch.open(db);
      // The runtime's own key ring: one instance, so a rotation is seen by every signer.
      const keys = runtime.keys;
      const sessionLog = await SeqLog.open<RuntimeEvent>(db, 'gateway-session-events', epoch, onLogError);
      const approvalLog = await SeqLog.open<ApprovalLogEntry>(
        db,
        'gateway-approval-events',
        epoch,
        onLogError,
      );
      const sessionStore = new SessionStore(db);
      let gateway: Gateway | undefined;
      const connections = new Set<Connection>();
      const ctx: GatewayContext = {
        runtime,
        keys,
        config: options.config,
        home: options.home,
        workspace: runtime.workspace,
        version: options.version ?? GATEWAY_VERSION,
        epoch,
        startedAt: now(),
        now,
        env,
        adminConfigPath: options.adminConfigPath,
        ...(extra.workspaceConfig === undefined ? {} : { workspaceConfig: extra.workspaceConfig }),
        sessionLog,
        approvalLog,
        sessionStore,
        lockdown,
        connections,
        logger,
        liveSession: async (id: SessionId) => runtime.session(id) ?? (await runtime.resumeSession(id)),
        resumeInterrupted: () => gateway?.resumeInterrupted() ?? Promise.resolve(),
        broadcastDaemonEvent: (type) => gateway?.broadcast(type),
        requestShutdown: () => options.onShutdownRequest?.(),
      };
      const dispatch = createDispatch(
        { ...daemonHandlers(ctx), ...sessionHandlers(ctx), ...approvalHandlers(ctx), ...adminHandlers(ctx) },
        (message, err) => logger.debug({ err }, message),
      );
      const transport = new Transport(
        { token: options.token, allowedOrigins: options.allowedOrigins ?? [] },
        (ws, peer) => gateway?.accept(ws, peer, dispatch),
        (reason, peer) => logger.warn({ reason, peer }, 'upgrade refused'),
      );
      const detach = Gateway.wire(ctx, () => gateway);
      gateway = new Gateway(ctx, transport, options, detach, connections);
      if (lockdown.active) await gateway.denyPendingForLockdown();
      if (options.socketPath !== null) {
        await transport.listenUnix(options.socketPath ?? join(options.home, 'run', 'astridd.sock'));
      }
      if (options.listen !== undefined) await transport.listenTcp(options.listen);
      if (options.resumeInterrupted !== false) {
        gateway.resumeInterrupted().catch((err: unknown) => logger.error({ err }, 'resume failed'));
      }
      logger.info({ epoch, workspace: runtime.workspace, lockdown: lockdown.active }, 'gateway started');
      return gateway;
    } catch (err) {
      await runtime.close().catch(() => undefined);
      throw err;
    }
  }

  /** The Unix socket path, if any. */
  get socketPath(): string | null {
    return this.options.socketPath === null
      ? null
      : (this.options.socketPath ?? join(this.options.home, 'run', 'astridd.sock'));
  }

  /** `ws://host:port/rpc` when listening on TCP. */
  get url(): string | undefined {
    return this.transport.url;
  }

  /** The runtime being served. */
  get runtime(): Runtime {
    return this.context.runtime;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops: no new connections, every client told and closed, event streams written, then
   * the runtime closed (queued audit appends written, a final signed checkpoint, the
   * database closed). Turns still running resume at the next start.
   */
  close(): Promise<void> {
    if (this.closing === undefined) this.closing = this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const { logger } = this.context;
    // Stop accepting first; the listeners finish closing once the open sockets are gone.
    const stopped = this.transport.close();
    this.broadcast('shutdown');
    for (const conn of this.connections) conn.close(1001, 'the daemon is stopping');
    await stopped;
    this.detach();
    await this.context.sessionLog.flushed();
    await this.context.approvalLog.flushed();
    await this.context.runtime.close();
    logger.info('gateway stopped');
  }

  private accept(ws: WebSocket, peer: Peer, dispatch: ReturnType<typeof createDispatch>): void {
    if (this.closing !== undefined) {
      ws.close(1001, 'the daemon is stopping');
      return;
    }
    const id = `c${++this.counter}`;
    const conn = new Connection(
      id,
      peer,
      ws,
      dispatch,
      this.options.maxBufferedBytes ?? 8 * 1024 * 1024,
      (err) => this.context.logger.error({ err, connection: id }, 'connection error'),
    );
    this.connections.add(conn);
    this.context.logger.info({ connection: conn.identity }, 'client connected');
    this.options.onConnections?.(this.connections.size);
    ws.on('close', (code, reason) => {
      this.connections.delete(conn);
      this.context.logger.info({ connection: conn.identity, code, reason: reason.toString() }, 'client gone');
      this.options.onConnections?.(this.connections.size);
    });
    ws.on('error', (err) => this.context.logger.warn({ err, connection: id }, 'socket error'));
  }

  private broadcast(type: 'lockdown' | 'unlock' | 'shutdown'): void {
    for (const conn of this.connections)
      conn.notify('daemon.event', { type, lockdown: this.context.lockdown.current });
  }

  private async resumeInterrupted(): Promise<void> {
    const { runtime, lockdown, logger } = this.context;
    if (lockdown.active || this.closing !== undefined) return;
    for (const s of await runtime.listSessions()) {
      if (!s.interrupted || s.status !== 'active' || s.parent !== undefined) continue;
      if (runtime.session(s.id)?.currentTurn !== undefined) continue;
      const session = await runtime.resumeSession(s.id);
      if (!session.interrupted) continue;
      logger.info({ session: s.id }, 'resuming an interrupted turn');
      session
        .resumeTurn()
        .catch((err: unknown) => logger.error({ err, session: s.id }, 'resumed turn failed'));
    }
  }

  private async denyPendingForLockdown(): Promise<void> {
    for (const request of this.context.runtime.approvals.pending()) await this.denyForLockdown(request.id);
  }

  private denyForLockdown(id: Parameters<Runtime['approvals']['answer']>[0]): Promise<unknown> {
    return this.context.runtime.approvals
      .answer(
        id,
        { decision: 'deny', reason: 'denied by the kill switch (daemon.lockdown)' },
        { principal: principalId('lockdown'), frontend: 'kill-switch' },
      )
      .catch(() => undefined);
  }

  // Every runtime event is recorded in its session's stream (sub-agents in their root's) and
  // sent to the connections subscribed to it; approval events also go to the approval stream.
  private static wire(ctx: GatewayContext, gateway: () => Gateway | undefined): () => void {
    const offEvents = ctx.runtime.subscribe((event) => gateway()?.record(event));
    // While locked down, every new request is denied the moment it is created.
    const offApprovals = ctx.runtime.approvals.subscribe((e) => {
      if (e.type === 'approval_requested' && ctx.lockdown.active)
        void gateway()?.denyForLockdown(e.request.id);
    });
    return () => {
      offEvents();
      offApprovals();
    };
  }

  private record(event: RuntimeEvent): void {
    let stream: string | undefined;
    if (event.type === 'auto_apply_cancelled') {
      stream = this.autoApply.get(event.id);
      this.autoApply.delete(event.id);
    } else {
      stream = event.agent.root;
      if (event.type === 'auto_apply') this.autoApply.set(event.id, stream);
    }
    if (stream === undefined) return;
    const { sessionLog, approvalLog } = this.context;
    const logged = sessionLog.append(stream, event);
    const note = { sessionId: stream, epoch: logged.epoch, seq: logged.seq, event };
    for (const conn of this.connections) conn.deliverSession(note);
    if (event.type === 'approval_requested' || event.type === 'approval_resolved') {
      const entry: ApprovalLogEntry = {
        type: approvalEventType(event.request.state),
        sessionId: stream,
        request: event.request,
      };
      const a = approvalLog.append(APPROVAL_STREAM, entry);
      for (const conn of this.connections) conn.deliverApproval({ epoch: a.epoch, seq: a.seq, ...entry });
    }
  }
}
