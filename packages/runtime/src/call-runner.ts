import { type ApprovalRequest, approvalRefusal } from '@astrid/approval';
import { approvalId, type JsonValue } from '@astrid/core';
import type { JsonObject } from '@astrid/llm';
import { type Tool, type ToolContext, ToolError } from '@astrid/tools';
import type { AgentSession } from './agent-session.js';
import type { RuntimeEvent } from './events.js';
import type { SessionHost } from './host.js';
import type { CallState } from './record.js';
import { invokeToolCall } from './tool-call.js';
import type { UntrustedFraming } from './untrusted.js';

/** The tool whose calls start sub-agents; consecutive calls of it run concurrently. */
export const TASK_TOOL = 'task';

const INTERRUPTED =
  'This call was interrupted by a restart of Astrid while it was running; it may have partly completed. Check its effects before repeating it.';

/** What the runner needs from its session. */
export interface CallRunnerParts {
  readonly host: SessionHost;
  readonly tools: ReadonlyMap<string, Tool>;
  readonly session: AgentSession;
  readonly framing: UntrustedFraming;
  readonly emit: (event: RuntimeEvent) => void;
  readonly save: () => Promise<void>;
  /** Untrusted content entered the session. */
  readonly taint: () => void;
}

interface ActiveCall {
  readonly call: CallState;
  hashes: readonly string[];
}

/**
 * Runs the tool calls of one model reply, in order (consecutive `task` calls together, so
 * sub-agents can work in parallel up to the concurrency limit), keeping each call's state in
 * the session record: `executing` is written before a tool starts, so after a crash a call
 * that may have had effects is reported as interrupted instead of being run twice.
 */
export class CallRunner {
  private readonly active = new Set<ActiveCall>();
  // Requests of this session that were pending when the runtime opened: asked before the
  // restart by an interceptor call that died with the process.
  private orphans: ApprovalRequest[] = [];
  // Set when a call of a resumed turn finds its request cancelled: a request is cancelled only
  // when the turn that asked was (by a frontend, or by ending the session), so the turn was
  // cancelled before the restart and must end as cancelled, not go back to the model.
  private cancelledBeforeRestart = false;

  constructor(private readonly parts: CallRunnerParts) {}

  /** The session's requests that were pending when the runtime opened (see adoptOrphans). */
  setOrphans(requests: readonly ApprovalRequest[]): void {
    this.orphans = [...requests];
  }

  /**
   * Runs every call not yet done; returns true when the turn was cancelled meanwhile.
   * `saved` is the session's save of these calls, still being written: the first calls plan
   * meanwhile, and nothing is recorded before it is durable (rejects if it failed).
   */
  async runAll(calls: CallState[], signal: AbortSignal, saved?: Promise<void>): Promise<boolean> {
    this.cancelledBeforeRestart = false;
    let precondition = saved;
    for (let i = 0; i < calls.length; ) {
      let j = i + 1;
      if (calls[i]?.name === TASK_TOOL) while (j < calls.length && calls[j]?.name === TASK_TOOL) j++;
      const group = precondition;
      await Promise.all(calls.slice(i, j).map((c) => this.run(c, signal, group)));
      i = j;
      if (i < calls.length) {
        precondition = this.parts.save();
        precondition.catch(() => undefined); // awaited by the next group, or below
      }
    }
    // Calls settled without running (unknown tool, interrupted) never waited for it; and
    // calls that could not record because it failed must not let the turn go on.
    await Promise.all([saved, precondition]);
    return signal.aborted || this.cancelledBeforeRestart;
  }

  /** Links an approval request to the running call that planned its action; true if linked. */
  link(request: ApprovalRequest): boolean {
    for (const a of this.active) {
      if (a.hashes.includes(request.actionHash) && !a.call.approvals.includes(request.id)) {
        a.call.approvals.push(request.id);
        return true;
      }
    }
    return false;
  }

  private async run(call: CallState, signal: AbortSignal, precondition?: Promise<void>): Promise<void> {
    const { host, session, framing } = this.parts;
    if (call.state === 'done') return;
    if (call.state === 'executing') return this.settle(call, INTERRUPTED, INTERRUPTED, true, false);
    if (signal.aborted || this.cancelledBeforeRestart) {
      const text = 'Not run: the turn was cancelled.';
      return this.settle(call, text, text, true, false);
    }
    this.parts.emit({
      type: 'tool_call_proposed',
      agent: session.ref,
      callId: call.id,
      tool: call.name,
      arguments: previewArguments(call.arguments),
    });
    const tool = this.parts.tools.get(call.name);
    if (tool === undefined) {
      const text = `Unknown tool "${call.name}". Available tools: ${[...this.parts.tools.keys()].join(', ')}.`;
      return this.settle(call, text, text, true, false);
    }
    if (call.parseError !== undefined) {
      const text = `The arguments of ${call.name} are not a JSON object (${call.parseError}); call it again with valid JSON.`;
      return this.settle(call, text, text, true, false);
    }
    const carried = await this.reattach(call, signal);
    if (typeof carried === 'string') return this.settle(call, carried, carried, true, false);
    const releases: (() => void)[] = carried === undefined ? [] : [carried];
    let childTainted = false;
    const ctx: ToolContext = {
      session: session.id,
      principal: session.principal,
      inputClass: session.tainted ? 'untrusted' : 'trusted',
      tainted: session.tainted,
      interceptor: session.interceptor,
      boundary: host.boundary,
      recheckPolicy: (action, options) => host.recheckPolicy(action, options),
      signal,
      ...(precondition === undefined ? {} : { precondition }),
      subagentModel: { provider: session.provider.name, model: session.provider.model },
      // The source is who the runtime knows is asking, never a name the tool picks.
      elicit: (question, options) =>
        host.elicitations.ask(
          session.id,
          { source: `tool://${tool.name}`, message: question.message, fields: question.fields },
          { signal, ...(options?.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) },
        ),
      runSubagent: async (prompt, description, childSignal) => {
        const result = await host.runSubagent(session, { task: description, prompt }, childSignal ?? signal);
        if (result.tainted) childTainted = true;
        // A refusal or a failed child is an error result for the model, not a crash.
        if (result.isError) throw new ToolError(result.content);
        return result.content;
      },
    };
    const entry: ActiveCall = { call, hashes: [] };
    this.active.add(entry);
    let invocation: Awaited<ReturnType<typeof invokeToolCall>>;
    try {
      invocation = await invokeToolCall(tool, call.arguments, ctx, {
        planned: async (hashes) => {
          entry.hashes = hashes;
          // Planned again (the file changed after approval): nothing of the earlier run happened.
          call.state = 'pending';
          await this.adoptOrphans(call, hashes, signal, releases);
        },
        authorized: async () => {
          call.state = 'executing';
          await this.parts.save();
        },
      });
    } finally {
      this.active.delete(entry);
      for (const release of releases) release();
    }
    const { outcome, ran } = invocation;
    // Anything a tool ran and returned is untrusted; a sub-agent's reply only when the
    // sub-agent itself saw untrusted content (its prompt came from this, trusted, context).
    if (ran && (tool.name !== TASK_TOOL || childTainted)) this.parts.taint();
    const content = ran ? framing.wrap(outcome.content, tool.name) : outcome.content;
    this.settle(call, content, outcome.content, outcome.isError === true, ran, outcome.meta);
  }

  // A call that asked before a restart waits for the same requests again; once all are
  // approved their answers are offered to the re-run's requests (see ApprovalCarryOver).
  private async reattach(call: CallState, signal: AbortSignal): Promise<string | (() => void) | undefined> {
    if (call.approvals.length === 0) return undefined;
    const { approvals, carryOver } = this.parts.host;
    // Linked requests are handled here; they must not be adopted a second time below.
    this.orphans = this.orphans.filter((r) => !call.approvals.includes(r.id));
    const approved: ApprovalRequest[] = [];
    for (const id of call.approvals) {
      let request: ApprovalRequest;
      try {
        request = await approvals.get(approvalId(id));
      } catch {
        continue;
      }
      if (request.state === 'pending') request = await this.waitFor(request, signal);
      if (request.state === 'cancelled') this.cancelledBeforeRestart = true;
      if (request.state !== 'approved') return unapproved(call.name, request);
      approved.push(request);
    }
    call.approvals = [];
    const releases = approved.map((r) => carryOver.register(r));
    return () => {
      for (const release of releases) release();
    };
  }

  // A request asked just before a crash may not have been linked to its call yet (the link is
  // saved after the broker stored the request). After a restart, a request of this session
  // that was pending when the runtime opened and is for one of the re-planned actions is that
  // request: wait for it (it may have been answered since) and carry its answer, instead of
  // asking the human a second time.
  private async adoptOrphans(
    call: CallState,
    hashes: readonly string[],
    signal: AbortSignal,
    releases: (() => void)[],
  ): Promise<void> {
    const { approvals, carryOver } = this.parts.host;
    const mine = this.orphans.filter((r) => hashes.includes(r.actionHash) && !call.approvals.includes(r.id));
    this.orphans = this.orphans.filter((r) => !mine.includes(r));
    for (const orphan of mine) {
      call.approvals.push(orphan.id);
      let current = await approvals.get(orphan.id);
      if (current.state === 'pending') current = await this.waitFor(current, signal);
      if (current.state === 'cancelled') this.cancelledBeforeRestart = true;
      if (current.state !== 'approved') throw new ToolError(unapproved(call.name, current));
      releases.push(carryOver.register(current));
    }
  }

  private async waitFor(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalRequest> {
    const { approvals } = this.parts.host;
    const onAbort = () => {
      approvals.cancel(request.id, 'the proposal was cancelled').catch(() => undefined);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await approvals.wait(request.id);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private settle(
    call: CallState,
    content: string,
    raw: string,
    isError: boolean,
    ran: boolean,
    meta?: Readonly<Record<string, unknown>>,
  ): void {
    call.result = { content, isError };
    call.state = 'done';
    this.parts.emit({
      type: 'tool_result',
      agent: this.parts.session.ref,
      callId: call.id,
      tool: call.name,
      isError,
      ran,
      summary: raw.length > 300 ? `${raw.slice(0, 300)}…` : raw,
      chars: raw.length,
      ...(meta === undefined ? {} : { meta }),
    });
  }
}

function unapproved(tool: string, r: ApprovalRequest): string {
  const { code, reason } = approvalRefusal(r);
  return `Astrid denied this ${tool} call at the approval stage (${code}): ${reason}.`;
}

function previewValue(v: JsonValue, depth: number): JsonValue {
  if (typeof v === 'string') return v.length > 1000 ? `${v.slice(0, 1000)}… (${v.length} characters)` : v;
  if (v === null || typeof v !== 'object') return v;
  if (depth > 4) return '…';
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => previewValue(x, depth + 1));
  const out: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v).slice(0, 50)) out[k] = previewValue(x, depth + 1);
  return out;
}

/** The model's arguments for an event: long strings cut, so a 1 MB write is not broadcast. */
export function previewArguments(args: JsonObject): JsonObject {
  return previewValue(args as JsonValue, 0) as JsonObject;
}
