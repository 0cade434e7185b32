import {
  type ApprovalBroker,
  type ApprovalRequest,
  type BudgetEvent,
  BudgetLedger,
  type BudgetLimits,
  type InterceptorEvent,
  SecurityInterceptor,
} from '@astrid/approval';
import {
  AstridError,
  type ElicitationQuestion,
  type ElicitationResult,
  principalId,
  type SessionId,
  sessionId,
} from '@astrid/core';
import { randomId } from '@astrid/crypto';
import type { LlmProvider } from '@astrid/llm';
import type { ProcessTracker } from '@astrid/tools';
import type { WorkspaceMode } from '@astrid/workspace';
import { AgentSession } from './agent-session.js';
import { type ElicitationAuditRecord, ElicitationBroker, type ElicitOptions } from './elicitations.js';
import { type AgentRef, EventHub, type RuntimeListener } from './events.js';
import type { SessionHost } from './host.js';
import { newSessionRecord, type SessionRecord, type SessionSummary } from './record.js';
import type { WorkspaceScope } from './scope.js';
import type { SessionLlm } from './session-llm.js';
import { type ChildSpec, isLooser, SubagentSupervisor } from './subagents.js';
import { UntrustedFraming } from './untrusted.js';
import { type HostParts, openWiring, type RuntimeOptions, type Wiring } from './wiring.js';
import { Workspaces } from './workspaces.js';

const UNPRICED_WARNING =
  'this model has no known price: its requests are counted at zero (no budget limit is configured)';

/** Options of {@link Runtime.createSession}. */
export interface CreateSessionOptions {
  readonly label?: string;
  /**
   * The session's workspace mode: the config's or stricter (`safe` < `guided` < `autonomous`
   * in what runs without asking). A looser one is refused; config is the floor.
   */
  readonly mode?: WorkspaceMode;
  /** Who the agent acts as; tokens minted by "Allow Always" are scoped to it. Default `agent`. */
  readonly principal?: string;
  /**
   * Another provider than the daemon's (`anthropic`, `openai`, `zai`: its key from the daemon's
   * environment). Default: the daemon's. See `SessionLlms` for the pricing rule.
   */
  readonly provider?: string;
  /** Another model; persisted, so a resumed session keeps it. Default: the daemon's. */
  readonly model?: string;
  /**
   * The directory the session works in (its boundary, its `.astrid/config.toml`); default the
   * runtime's workspace. Another one needs `RuntimeOptions.workspaceConfig`.
   */
  readonly workspace?: string;
}

/**
 * Astrid's agent runtime for one data dir and workspace: it opens the database, key ring,
 * audit log, capability store, approval broker, allowances, budget and interceptor, and runs
 * sessions on them. Frontends subscribe to its events and answer approvals through
 * {@link approvals}.
 */
export class Runtime {
  private readonly live = new Map<SessionId, AgentSession>();
  private readonly hub = new EventHub();
  private readonly host: SessionHost;
  private readonly workspaces: Workspaces;
  // The workspace each live session works in (sub-agents: their parent's).
  private readonly scopes = new Map<SessionId, WorkspaceScope>();
  private readonly childInterceptors = new Map<SessionId, SecurityInterceptor>();
  private readonly supervisor: SubagentSupervisor;
  private closed = false;
  // Requests pending at open were asked by interceptor calls that died with the last process.
  private readonly pendingAtOpen: readonly ApprovalRequest[];

  private constructor(
    private readonly wiring: Wiring,
    host: HostParts,
  ) {
    const elicitations = new ElicitationBroker({
      now: host.now,
      defaultTimeoutMs: wiring.config.approval.timeout_seconds * 1000,
      emit: (e) => this.hub.emit(e),
      refFor: (s) => this.refFor(s),
      audit: (record) => this.auditElicitation(record),
      ...(wiring.shared.base.lockedDown === undefined ? {} : { lockedDown: wiring.shared.base.lockedDown }),
    });
    const scope = wiring.scope;
    this.host = {
      ...host,
      boundary: scope.boundary,
      createTools: () => scope.createTools(),
      recheckPolicy: (action, options) => scope.recheckPolicy(action, options),
      events: this.hub,
      elicitations,
      runSubagent: (parent, request, signal) => this.supervisor.run(parent, request, signal),
      forget: (id) => {
        this.live.delete(id);
        this.scopes.delete(id);
        this.childInterceptors.delete(id);
      },
    };
    this.workspaces = new Workspaces(wiring, this.host);
    this.pendingAtOpen = host.approvals.pending();
    this.supervisor = new SubagentSupervisor(
      { maxDepth: wiring.config.subagents.max_depth, maxConcurrent: wiring.config.subagents.max_concurrent },
      (parent, spec) => this.spawnChild(parent, spec),
      this.hub,
    );
    host.approvals.subscribe((event) => {
      const request = event.request;
      if (event.type === 'approval_requested') {
        const carried = this.host.carryOver.handle(request);
        this.live.get(request.session)?.noteApproval(request);
        if (carried) return;
      } else if (this.host.carryOver.takeAnswered(request.id)) return;
      this.hub.emit({ type: event.type, agent: this.refFor(request.session), request });
    });
  }

  /** Opens everything on the data dir `home` for `workspace`. */
  static async open(options: RuntimeOptions): Promise<Runtime> {
    let runtime: Runtime | undefined;
    const { wiring, host } = await openWiring(options, {
      budget: (e) => runtime?.onBudgetEvent(e),
      interceptor: (e) => runtime?.onInterceptorEvent(e),
    });
    runtime = new Runtime(wiring, host);
    return runtime;
  }

  /** The approval broker: frontends list pending requests and answer them here. */
  get approvals(): ApprovalBroker {
    return this.host.approvals;
  }

  /** Questions to the human (elicitations): frontends list pending ones and answer them here. */
  get elicitations(): ElicitationBroker {
    return this.host.elicitations;
  }

  /**
   * Asks the human a question for `session` (an MCP server's or a capsule's elicitation):
   * every frontend attached to the session sees it; resolves with the first answer, `expired`
   * after `timeoutMs` (default `[approval] timeout_seconds`), or `cancel` when the session is
   * cancelled or ended, the daemon locked down, the runtime closed or `signal` aborted.
   */
  async elicit(
    session: SessionId,
    question: ElicitationQuestion,
    options: ElicitOptions = {},
  ): Promise<ElicitationResult> {
    this.assertOpen();
    if (this.live.get(session) === undefined) {
      const record = await this.host.store.load(session); // SESSION_NOT_FOUND
      if (record.status === 'ended')
        throw new AstridError('INVALID_ARGUMENT', `session ${session} has ended`);
    }
    return this.host.elicitations.ask(session, question, options);
  }

  /** The audit log (read, verify, export). */
  get audit(): SessionHost['audit'] {
    return this.host.audit;
  }

  /** The session allowances ("Allow Session"): the kill switch drops them all. */
  get allowances(): SessionHost['allowances'] {
    return this.host.allowances;
  }

  /** The capability store (list, revoke tokens). */
  get capabilities(): SessionHost['capabilities'] {
    return this.host.capabilities;
  }

  /** The runtime's key ring: the one key that signs checkpoints and tokens (show, rotate). */
  get keys(): Wiring['keys'] {
    return this.wiring.keys;
  }

  /** How commands run: bubblewrap or unsandboxed, and why (for `daemon.status`). */
  get sandbox(): WorkspaceScope['sandbox'] {
    return this.wiring.scope.sandbox;
  }

  /** The real root of the default workspace (sessions may ask for others). */
  get workspace(): string {
    return this.wiring.scope.root;
  }

  /** Every process group a tool started: the kill switch (#6) ends them with `killAll()`. */
  get processes(): ProcessTracker {
    return this.wiring.processes;
  }

  /** The daemon's LLM provider (a `DemoProvider` when no model is configured); a session may use another. */
  get provider(): LlmProvider {
    return this.host.provider;
  }

  /** Subscribes a frontend to every event; returns the unsubscribe function. */
  subscribe(listener: RuntimeListener): () => void {
    return this.hub.subscribe(listener);
  }

  /** Cancels an auto-apply countdown from any frontend; false if none is running under `id`. */
  cancelAutoApply(id: string): boolean {
    for (const i of this.workspaces.interceptors()) if (i.cancelAutoApply(id)) return true;
    for (const i of this.childInterceptors.values()) if (i.cancelAutoApply(id)) return true;
    return false;
  }

  /** The live session with this id, if it is loaded. */
  session(id: SessionId): AgentSession | undefined {
    return this.live.get(id);
  }

  /** Starts a new top-level session. */
  async createSession(options: CreateSessionOptions = {}): Promise<AgentSession> {
    this.assertOpen();
    const id = sessionId(randomId('ses'));
    const principal = principalId(options.principal ?? 'agent');
    const scope = await this.workspaces.get(options.workspace);
    const configured = scope.deps.settings.mode;
    const mode = options.mode ?? configured;
    if (isLooser(mode, configured)) {
      throw new AstridError(
        'INVALID_ARGUMENT',
        `mode "${mode}" is looser than the configured "${configured}"; a session can only be stricter`,
      );
    }
    const asked =
      options.provider === undefined && options.model === undefined
        ? undefined
        : {
            provider: options.provider ?? scope.llms.defaultSpec.provider,
            model: options.model ?? scope.llms.defaultSpec.model,
          };
    // Refused here (no price under a budget, unknown provider, missing key) before anything is stored.
    const llm = scope.llms.resolve(asked);
    const t = this.host.now();
    const record = newSessionRecord({
      id,
      principal,
      label: options.label ?? `session ${new Date(t).toISOString()}`,
      now: t,
      mode,
      nonce: UntrustedFraming.create().nonce,
      workspace: scope.root,
      ...(asked === undefined ? {} : { llm: asked }),
    });
    await this.host.store.save(record);
    await this.host.audit.append({
      kind: 'session_created',
      principal,
      sessionId: id,
      details: {
        label: record.label,
        workspace: scope.root,
        mode,
        provider: llm.provider.name,
        model: llm.provider.model,
        ...(llm.priced ? {} : { pricing: 'unknown', warning: UNPRICED_WARNING }),
      },
    });
    return this.attach(
      scope,
      record,
      this.interceptorFor(scope, id, mode),
      scope.deps.budget,
      scope.limits.sessionMax,
      {
        session: id,
        root: id,
        depth: 0,
        label: record.label,
      },
      llm,
    );
  }

  /**
   * Loads a stored session (after a restart): history, budget spent and session tokens are
   * restored. If a turn was interrupted, `session.interrupted` is true: call `resumeTurn()`.
   */
  async resumeSession(id: SessionId): Promise<AgentSession> {
    this.assertOpen();
    const loaded = this.live.get(id);
    if (loaded !== undefined) return loaded;
    const record = await this.host.store.load(id);
    if (record.status === 'ended') throw new AstridError('INVALID_ARGUMENT', `session ${id} has ended`);
    if (record.parent !== undefined) {
      throw new AstridError(
        'INVALID_ARGUMENT',
        `session ${id} is a sub-agent of ${record.parent}; resume its parent`,
      );
    }
    // The workspace it was created in (records from before workspaces were stored: the
    // default), with that workspace's config of today.
    const scope = await this.workspaces.get(record.workspace);
    // A top-level session runs with today's config mode, which may have changed since, or
    // the stricter mode it was created with.
    const configured = scope.deps.settings.mode;
    record.mode = isLooser(configured, record.mode) ? record.mode : configured;
    // The model it was created for, checked again against today's config (a budget limit
    // added since refuses an unpriced model: fail closed).
    const llm = scope.llms.resolve(record.llm);
    const { budget } = scope.deps;
    budget.restore(id, record.budget.spent, record.budget.extra);
    this.host.capabilities.restoreSessionTokens(record.sessionTokens);
    await this.host.audit.append({
      kind: 'session_resumed',
      principal: record.principal,
      sessionId: id,
      details: { interrupted: record.turn !== undefined, messages: record.history.length },
    });
    return this.attach(
      scope,
      record,
      this.interceptorFor(scope, id, record.mode),
      budget,
      scope.limits.sessionMax,
      { session: id, root: id, depth: 0, label: record.label },
      llm,
    );
  }

  /** Every stored session's summary. */
  listSessions(): Promise<SessionSummary[]> {
    return this.host.store.list();
  }

  /**
   * Closes the runtime. Turns still running are not cancelled: like a crash, they stay
   * recorded as interrupted (pending approvals stay pending) and resume after the next open.
   * Commands still running are killed (their process groups), and reported to the model as
   * interrupted when the turn resumes.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wiring.processes.killAll();
    // Their askers end with this process; the cancellations are audited before the log closes.
    await this.host.elicitations.cancelAll('the runtime is closing');
    this.host.approvals.close();
    await this.host.audit.close();
    await this.wiring.level.close();
  }

  private attach(
    scope: WorkspaceScope,
    record: SessionRecord,
    interceptor: SecurityInterceptor,
    ledger: BudgetLedger,
    baseLimit: number | undefined,
    ref: AgentRef,
    llm: SessionLlm,
    task?: string,
  ): AgentSession {
    const session = new AgentSession({
      host: this.workspaces.hostFor(scope),
      record,
      orphans: this.pendingAtOpen.filter((r) => r.session === record.id),
      interceptor,
      ledger,
      baseLimit,
      maxTurns: record.parent === undefined ? this.wiring.maxTurns : this.wiring.config.subagents.max_turns,
      ref,
      llm,
      ...(task === undefined ? {} : { task }),
    });
    this.live.set(record.id, session);
    this.scopes.set(record.id, scope);
    return session;
  }

  // The workspace's shared interceptor for sessions in its config's mode; a stricter session
  // gets its own, with the same stores, budget ledger and policy (cancelAutoApply looks there too).
  private interceptorFor(scope: WorkspaceScope, id: SessionId, mode: WorkspaceMode): SecurityInterceptor {
    if (mode === scope.deps.settings.mode) return scope.interceptor;
    const interceptor = new SecurityInterceptor({
      ...scope.deps,
      settings: { ...scope.deps.settings, mode },
    });
    this.childInterceptors.set(id, interceptor);
    return interceptor;
  }

  private async spawnChild(parent: AgentSession, spec: ChildSpec): Promise<AgentSession> {
    this.assertOpen();
    const id = sessionId(randomId('sub'));
    const t = this.host.now();
    const label = `sub-agent: ${spec.task}`;
    // A sub-agent works in its parent's workspace, under that workspace's policy and limits.
    const scope = this.scopes.get(parent.id) ?? this.workspaces.default;
    const limits: BudgetLimits = {
      ...scope.limits,
      sessionMax: spec.budgetMicros,
    };
    const ledger = new BudgetLedger(
      spec.budgetMicros === undefined ? { ...scope.limits, sessionMax: undefined } : limits,
      (e) => this.onBudgetEvent(e),
    );
    const interceptor = new SecurityInterceptor({
      ...scope.deps,
      budget: ledger,
      settings: { ...scope.deps.settings, mode: spec.mode },
    });
    const record = newSessionRecord({
      id,
      principal: parent.principal,
      label,
      now: t,
      mode: spec.mode,
      nonce: UntrustedFraming.create().nonce,
      parent: parent.id,
      depth: parent.ref.depth + 1,
      workspace: scope.root,
      tainted: parent.tainted,
      ...(spec.budgetMicros === undefined ? {} : { budgetLimit: spec.budgetMicros }),
      ...(parent.llm.priced ? {} : { llm: { provider: parent.provider.name, model: parent.provider.model } }),
    });
    await this.host.store.save(record);
    await this.host.audit.append({
      kind: 'session_created',
      principal: parent.principal,
      sessionId: id,
      details: {
        label,
        parent: parent.id,
        depth: record.depth,
        mode: spec.mode,
        budgetMicros: spec.budgetMicros ?? null,
        tainted: record.tainted,
      },
    });
    const session = this.attach(
      scope,
      record,
      interceptor,
      ledger,
      spec.budgetMicros,
      { session: id, root: parent.ref.root, parent: parent.id, depth: record.depth, label },
      // A sub-agent talks to its parent's model.
      parent.llm,
      spec.task,
    );
    this.childInterceptors.set(id, interceptor);
    return session;
  }

  private refFor(session: SessionId): AgentRef {
    return this.live.get(session)?.ref ?? { session, root: session, depth: 0, label: session };
  }

  // One entry per question, when it ends: who asked, the field names, the outcome and who
  // answered. Never a value, secret or not: the content goes to the asker and nowhere else.
  private async auditElicitation({ request, outcome, by, reason }: ElicitationAuditRecord): Promise<void> {
    await this.host.audit.append({
      kind: 'elicitation',
      principal: by?.principal ?? this.live.get(request.session)?.principal ?? 'agent',
      sessionId: request.session,
      details: {
        elicitationId: request.id,
        source: request.source,
        fields: request.fields.map((f) => f.name),
        // Not "secretFields": the audit redactor blanks any key that looks like a secret.
        maskedFields: request.fields.filter((f) => f.secret).map((f) => f.name),
        outcome,
        ...(by === undefined ? {} : { decidedBy: by.decidedBy }),
        ...(reason === undefined ? {} : { reason }),
      },
    });
  }

  private onBudgetEvent(e: BudgetEvent): void {
    const agent = this.refFor(e.session);
    if (e.type === 'budget_warning')
      this.hub.emit({ type: 'budget_warning', agent, used: e.used, limit: e.limit });
    else this.hub.emit({ type: 'budget_extended', agent, by: e.by, limit: e.limit });
  }

  private onInterceptorEvent(e: InterceptorEvent): void {
    if (e.type === 'auto_apply_cancelled') {
      this.hub.emit(e);
      return;
    }
    this.hub.emit({
      type: 'auto_apply',
      agent: this.refFor(e.session),
      id: e.id,
      action: e.action,
      risk: e.risk,
      seconds: e.seconds,
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new AstridError('STORAGE_CLOSED', 'the runtime is closed');
  }
}
