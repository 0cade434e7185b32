import type { ApprovalRequest, BudgetLedger, SecurityInterceptor } from '@astrid/approval';
import { AstridError, type PrincipalId, principalId, type SessionId } from '@astrid/core';
import { randomId } from '@astrid/crypto';
import type { LlmMessage, LlmProvider, LlmToolDefinition } from '@astrid/llm';
import type { Tool } from '@astrid/tools';
import type { WorkspaceMode } from '@astrid/workspace';
import { CallRunner } from './call-runner.js';
import type { AgentRef, BudgetSnapshot, RuntimeEvent } from './events.js';
import type { SessionHost } from './host.js';
import type { SessionRecord, TurnState } from './record.js';
import type { SessionLlm } from './session-llm.js';
import { buildSystemPrompt } from './system-prompt.js';
import { toolDefinitionsOf } from './tool-call.js';
import { TurnLoop, type TurnResult } from './turn-loop.js';
import { UntrustedFraming } from './untrusted.js';

/** Options of {@link AgentSession.send} and {@link AgentSession.resumeTurn}. */
export interface TurnOptions {
  /** Aborting it cancels the turn (the stream, the running tool, a pending approval). */
  readonly signal?: AbortSignal;
}

/** What a session is built from; `Runtime` assembles it. */
export interface AgentSessionParts {
  readonly host: SessionHost;
  readonly record: SessionRecord;
  readonly interceptor: SecurityInterceptor;
  readonly ledger: BudgetLedger;
  /** The ledger's session limit before extensions (to persist approved extensions apart). */
  readonly baseLimit: number | undefined;
  readonly maxTurns: number;
  readonly ref: AgentRef;
  /** For a sub-agent: its task, shown in its system prompt. */
  readonly task?: string;
  /** This session's approval requests that were pending when the runtime opened. */
  readonly orphans?: readonly ApprovalRequest[];
  /** The session's model (default: the host's provider and pricing). */
  readonly llm?: SessionLlm;
}

/**
 * One agent conversation: its system prompt, history and the turn loop
 * (stream → collect tool calls → intercept and run each → results back → repeat until a
 * reply without tool calls or `max_turns`). The record is written to LevelDB after every
 * step, so a restart resumes where it stood.
 */
export class AgentSession {
  readonly id: SessionId;
  readonly principal: PrincipalId;
  readonly ref: AgentRef;
  readonly interceptor: SecurityInterceptor;
  readonly ledger: BudgetLedger;
  /** The model this session talks to, and the prices its budget counts. */
  readonly llm: SessionLlm;
  private readonly host: SessionHost;
  private readonly record: SessionRecord;
  private readonly framing: UntrustedFraming;
  private readonly systemPrompt: string;
  private readonly tools: readonly Tool[];
  private readonly toolDefinitions: readonly LlmToolDefinition[];
  private readonly toolDefinitionChars: number;
  private readonly calls: CallRunner;
  private readonly loop: TurnLoop;
  private readonly maxTurns: number;
  private readonly baseLimit: number | undefined;
  private controller: AbortController | undefined;
  private running: Promise<TurnResult> | undefined;
  private saving: Promise<void> = Promise.resolve();

  /** @internal Built by the runtime. */
  constructor(parts: AgentSessionParts) {
    this.host = parts.host;
    this.record = parts.record;
    this.id = parts.record.id;
    this.principal = principalId(parts.record.principal);
    this.ref = parts.ref;
    this.interceptor = parts.interceptor;
    this.ledger = parts.ledger;
    this.llm = parts.llm ?? { provider: parts.host.provider, pricing: parts.host.pricing, priced: true };
    this.baseLimit = parts.baseLimit;
    this.maxTurns = parts.maxTurns;
    this.framing = new UntrustedFraming(parts.record.nonce);
    this.tools = parts.host.createTools();
    this.toolDefinitions = toolDefinitionsOf(this.tools);
    this.toolDefinitionChars = JSON.stringify(this.toolDefinitions).length;
    this.systemPrompt = buildSystemPrompt({
      workspace: parts.host.boundary.root,
      mode: parts.record.mode,
      tools: this.tools,
      framing: this.framing,
      ...(parts.task === undefined ? {} : { subagent: { depth: parts.record.depth, task: parts.task } }),
    });
    this.calls = new CallRunner({
      host: parts.host,
      tools: new Map(this.tools.map((t) => [t.name, t])),
      session: this,
      framing: this.framing,
      emit: (e) => this.host.events.emit(e),
      save: () => this.save(),
      taint: () => {
        this.record.tainted = true;
      },
    });
    this.calls.setOrphans(parts.orphans ?? []);
    this.loop = new TurnLoop({
      host: this.host,
      record: this.record,
      id: this.id,
      principal: this.principal,
      ref: this.ref,
      interceptor: this.interceptor,
      framing: this.framing,
      systemPrompt: this.systemPrompt,
      toolDefinitions: this.toolDefinitions,
      toolDefinitionChars: this.toolDefinitionChars,
      calls: this.calls,
      llm: this.llm,
      maxTurns: this.maxTurns,
      save: () => this.save(),
      emit: (e) => this.emit(e),
      budget: () => this.budget(),
    });
  }

  /** The session's label (shown by frontends). */
  get label(): string {
    return this.record.label;
  }

  /** The LLM provider this session talks to (its `name` and `model`). */
  get provider(): LlmProvider {
    return this.llm.provider;
  }

  /** The workspace mode this session runs with. */
  get mode(): WorkspaceMode {
    return this.record.mode;
  }

  /** True once untrusted content entered the session: commands and network always ask. */
  get tainted(): boolean {
    return this.record.tainted;
  }

  /** The conversation so far (tool results as the model sees them, framed). */
  get history(): readonly LlmMessage[] {
    return this.record.history;
  }

  /** A turn was in progress when the session was last saved and is not running now. */
  get interrupted(): boolean {
    return this.record.turn !== undefined && this.running === undefined;
  }

  /** The running turn, if any. */
  get currentTurn(): Promise<TurnResult> | undefined {
    return this.running;
  }

  /** Whether the session has ended. */
  get ended(): boolean {
    return this.record.status === 'ended';
  }

  /** What this session has spent and holds. */
  budget(): BudgetSnapshot {
    const u = this.ledger.usage(this.id);
    return { spent: u.spent, reserved: u.reserved, limit: u.limit };
  }

  /** Sends the user's message and runs the turn to its end. */
  send(text: string, options: TurnOptions = {}): Promise<TurnResult> {
    if (typeof text !== 'string') throw new TypeError(`"text" expected a string, got ${typeof text}`);
    if (text.trim().length === 0) throw new RangeError('"text" expected a non-empty message');
    this.assertCanStart();
    if (this.record.turn !== undefined) {
      throw new AstridError(
        'INVALID_ARGUMENT',
        `session ${this.id} has an interrupted turn: resumeTurn() first`,
      );
    }
    this.record.history.push({ role: 'user', content: text });
    this.record.turn = { id: randomId('turn'), step: 0, phase: 'model', calls: [] };
    return this.start(options.signal, false);
  }

  /**
   * Continues a turn interrupted by a restart: calls that were waiting for approval wait for
   * the same request again and run once it is approved (not asked twice); a call that was
   * already running is reported to the model as interrupted, never run a second time.
   */
  resumeTurn(options: TurnOptions = {}): Promise<TurnResult> {
    this.assertCanStart();
    if (this.record.turn === undefined) {
      throw new AstridError('INVALID_ARGUMENT', `session ${this.id} has no interrupted turn`);
    }
    return this.start(options.signal, true);
  }

  /** Cancels the running turn, if any: the stream, a running tool or a pending approval. */
  cancel(reason = 'cancelled by the user'): void {
    this.controller?.abort(new AstridError('APPROVAL_CANCELLED', reason));
    // Questions asked outside the turn (an MCP server's) are withdrawn too.
    this.host.elicitations.cancelSession(this.id, reason).catch(() => undefined);
  }

  /** Renames the session. */
  async setLabel(label: string): Promise<void> {
    if (typeof label !== 'string' || label.length === 0 || label.length > 200) {
      throw new RangeError('"label" expected 1-200 characters');
    }
    this.record.label = label;
    await this.save();
  }

  /** Ends the session: cancels a running turn, drops its allowances and session tokens. */
  async end(): Promise<void> {
    if (this.record.status === 'ended') return;
    this.cancel('the session ended');
    await this.running?.catch(() => undefined);
    this.record.status = 'ended';
    this.record.turn = undefined;
    this.host.capabilities.dropSession(this.id);
    await this.host.allowances.dropSession(this.id);
    await this.host.audit.append({
      kind: 'session_ended',
      principal: this.principal,
      sessionId: this.id,
      details: { label: this.record.label, spentMicros: this.budget().spent },
    });
    await this.save();
    this.host.forget(this.id);
  }

  /** @internal The broker asked a human about one of this session's actions. */
  noteApproval(request: ApprovalRequest): void {
    if (this.calls.link(request)) this.save().catch(() => undefined);
  }

  /** @internal Writes the record (serialized; the latest state wins). */
  save(): Promise<void> {
    const next = this.saving.then(() => this.host.store.save(this.snapshot()));
    this.saving = next.catch(() => undefined);
    return next;
  }

  /** @internal The event envelope's agent. */
  emit(event: RuntimeEvent): void {
    this.host.events.emit(event);
  }

  private snapshot(): SessionRecord {
    const u = this.ledger.usage(this.id);
    const extra = Math.max(0, (u.limit ?? 0) - (this.baseLimit ?? 0));
    return {
      ...this.record,
      updatedAt: this.host.now(),
      budget: { spent: u.spent, extra, ...(this.baseLimit === undefined ? {} : { limit: this.baseLimit }) },
      sessionTokens: this.host.capabilities.sessionTokens(this.id),
    };
  }

  private assertCanStart(): void {
    if (this.record.status === 'ended')
      throw new AstridError('INVALID_ARGUMENT', `session ${this.id} has ended`);
    if (this.running !== undefined)
      throw new AstridError('INVALID_ARGUMENT', `session ${this.id} is already running a turn`);
  }

  private start(signal: AbortSignal | undefined, resumed: boolean): Promise<TurnResult> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) controller.abort(signal.reason);
    else signal?.addEventListener('abort', onAbort, { once: true });
    this.controller = controller;
    const turn = this.record.turn as TurnState;
    const run = async (): Promise<TurnResult> => {
      try {
        // The turn's first step plans while this save is written (see TurnLoop.run).
        const saved = this.save();
        this.emit({ type: 'turn_started', agent: this.ref, turnId: turn.id, resumed });
        return await this.loop.run(turn, controller.signal, saved);
      } catch (err) {
        // An internal failure (storage, audit): the turn stays recorded as interrupted.
        const code = err instanceof AstridError ? err.code : 'INTERNAL';
        const message = err instanceof Error ? err.message : String(err);
        this.emit({ type: 'error', agent: this.ref, code, message, retryable: true });
        this.emit({ type: 'turn_done', agent: this.ref, status: 'error', steps: turn.step, text: '' });
        return { status: 'error', text: '', steps: turn.step, error: { code, message } };
      } finally {
        signal?.removeEventListener('abort', onAbort);
        this.controller = undefined;
        this.running = undefined;
      }
    };
    this.running = run();
    return this.running;
  }
}
