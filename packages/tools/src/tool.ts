import type { ApprovalPreview, Authorization, SecurityInterceptor } from '@astrid/approval';
import type {
  ElicitationQuestion,
  ElicitationResult,
  InputClass,
  PrincipalId,
  SensitiveAction,
  SessionId,
} from '@astrid/core';
import type { WorkspaceBoundary } from '@astrid/workspace';
import type { z } from 'zod';

/** Options of {@link ToolContext.recheckPolicy}. */
export interface RecheckOptions {
  /**
   * The caller has verified where the action's path really is itself, on the descriptor it
   * opened (`WorkspaceBoundary.recheckOpened`): only the admin rules are judged again, not
   * the path resolved a second time.
   */
  readonly locationVerified?: boolean;
}

/** What a tool needs from the runtime for one call. */
export interface ToolContext {
  readonly session: SessionId;
  readonly principal: PrincipalId;
  /** How much the proposal is trusted; `tainted` once untrusted content entered the session. */
  readonly inputClass: InputClass;
  readonly tainted: boolean;
  readonly interceptor: SecurityInterceptor;
  readonly boundary: WorkspaceBoundary;
  /**
   * Re-runs the admin policy on an action at execution time (approval may come hours after
   * the decision): throws an AstridError (POLICY_DENIED) if it is denied now.
   */
  recheckPolicy(action: SensitiveAction, options?: RecheckOptions): Promise<void>;
  readonly signal?: AbortSignal;
  /**
   * Settles once the runtime's own record of this call is durable: planning runs meanwhile,
   * and the interceptor records nothing before it (see `InterceptContext.precondition`).
   */
  readonly precondition?: Promise<void>;
  /**
   * Runs a sub-agent for the `task` tool and resolves to its final text. Optional: without
   * it, `task` answers "sub-agents are not available". The runtime owns the child session
   * (narrowed authority, carved-out budget, depth and concurrency limits); the tool only
   * gates the spawn through the interceptor and returns the text.
   */
  runSubagent?(prompt: string, description: string, signal?: AbortSignal): Promise<string>;
  /**
   * The provider and model the child session will call: `task` plans an `llm_request` for
   * them (default `astrid/subagent`). Optional.
   */
  readonly subagentModel?: { readonly provider: string; readonly model: string };
  /**
   * Asks the human a question through every attached frontend (an elicitation) and resolves
   * with the outcome and, when accepted, the answer. Optional: without it, the tool cannot
   * ask. The runtime sets the source (`tool://<name>`) and withdraws the question when the
   * call is cancelled. A secret answer must never appear in the tool's output.
   */
  elicit?(
    question: Omit<ElicitationQuestion, 'source'>,
    options?: { readonly timeoutMs?: number },
  ): Promise<ElicitationResult>;
}

/** A tool's plan for one call: the actions the interceptor must authorize, in order. */
export interface ToolPlan {
  readonly actions: readonly SensitiveAction[];
  /** A richer approval card than the default (a unified diff for writes and edits). */
  readonly preview?: ApprovalPreview;
  /** Text the agent supplied (a description of a command), shown labelled as the agent's. */
  readonly agentText?: string;
  /** Anything planning computed that running needs (e.g. the BLAKE3 of the file a diff came from). */
  readonly state?: unknown;
}

/** What goes back to the agent, always marked untrusted by the runtime. */
export interface ToolOutcome {
  readonly content: string;
  readonly isError?: boolean;
  /** Machine-readable extras for frontends (exit code, diff, truncated flag). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/**
 * A built-in tool. `plan` maps validated arguments to actions without side effects; `run`
 * performs them, and must do every side effect inside `ctx.interceptor.execute` /
 * `executeAll` with the Authorizations it was given, one per planned action, in order.
 */
export interface Tool<I = unknown> {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.ZodType<I>;
  /**
   * The tool only reads: running it twice has no effect beyond the second read. Set by the
   * built-in readers alone, never from a claim of an MCP server or capsule.
   */
  readonly readOnly?: boolean;
  plan(input: I, ctx: ToolContext): Promise<ToolPlan>;
  run(
    input: I,
    plan: ToolPlan,
    authorizations: readonly Authorization[],
    ctx: ToolContext,
  ): Promise<ToolOutcome>;
}
