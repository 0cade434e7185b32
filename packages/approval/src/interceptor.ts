import type { AuditDecision, DecisionProof } from '@astrid/audit';
import type { CapabilityToken } from '@astrid/capabilities';
import {
  AstridError,
  compareRisk,
  defaultRisk,
  type ErrorCode,
  parseAction,
  type RiskLevel,
  type SensitiveAction,
} from '@astrid/core';
import { actionHash, randomId } from '@astrid/crypto';
import { decideByMode } from '@astrid/workspace';
import { checkActionPaths, waitForAnswer } from './action-paths.js';
import { matchesAllowedCommand } from './allowed-commands.js';
import type { ApprovalRequest } from './approvals/request.js';
import { Authorization, consumeAuthorization, issueAuthorization } from './authorization.js';
import { type BudgetReservation, isBudgetRefusal } from './budget/ledger.js';
import { runsArbitraryCode } from './code-runners.js';
import { approvalProof, type DecisionProofInput, describeProof, isBareBinary } from './decision-proof.js';
import { approvalRefusal, defaultPreview, describeAction } from './describe.js';
import type {
  ExecuteOptions,
  GrantProof,
  InterceptContext,
  InterceptorDeps,
  InterceptResult,
  InterceptStage,
  ToolRun,
} from './interceptor-types.js';
import { applyLongerAnswer } from './longer-answer.js';
import { markParsed, takeParsedMark } from './policy/parsed.js';

interface Issued {
  readonly reservation: BudgetReservation;
  readonly ctx: InterceptContext;
}

type Denied = Extract<InterceptResult, { allowed: false }>;

const ESCALATED_KINDS: ReadonlySet<SensitiveAction['kind']> = new Set(['execute_command', 'network_request']);

/**
 * The one gate every tool call passes, in this fixed order:
 * policy → capability token → budget → approval → audit.
 * It returns a denial or an {@link Authorization}; a tool runs only through {@link execute},
 * which consumes the Authorization and audits the result linked to the decision.
 */
export class SecurityInterceptor {
  private readonly issued = new WeakMap<Authorization, Issued>();
  private readonly countdowns = new Map<string, () => void>();
  private readonly now: () => number;

  constructor(private readonly deps: InterceptorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Judges one proposed action. Never throws for a bad action: it denies with a reason. */
  async intercept(input: unknown, ctx: InterceptContext): Promise<InterceptResult> {
    const { deps } = this;
    // Awaited before anything is recorded; a rejection meanwhile is not an unhandled one.
    ctx.precondition?.catch(() => undefined);
    const epoch = deps.epochs.current();
    let action: SensitiveAction;
    try {
      action = parseAction(input);
    } catch (err) {
      return this.deny(undefined, ctx, 'policy', 'INVALID_ACTION', (err as Error).message, 'low', {});
    }
    // Hashed once: the token search, the decision entry and the Authorization all bind to it.
    // `action` is the parsed copy (parseAction returns a new object), so the hash cannot
    // drift from what is checked below if the caller mutates its input meanwhile.
    const hash = actionHash(action);
    let risk = defaultRisk(action);
    if (deps.lockedDown?.() === true) {
      return this.deny(
        action,
        ctx,
        'policy',
        'POLICY_DENIED',
        'the daemon is in lockdown (kill switch)',
        risk,
        {
          policyRuleId: 'lockdown',
        },
      );
    }

    // The boundary's path resolution (filesystem calls on libuv's pool) is independent of
    // the policy verdict, so it starts first and runs while the policy is evaluated; its
    // answer is only looked at once the policy has passed, so the order of the stages holds.
    const paths = checkActionPaths(deps.boundary, action);
    paths.catch(() => {}); // a policy denial returns without awaiting it
    // 1. Policy: admin hard limits. A deny here is final; nothing below can override it.
    const policy = await deps.policy.evaluate(markParsed(action), { workspaceRoot: deps.boundary.root });
    takeParsedMark(action); // a policy stage that did not take the mark must not leave it behind
    if (policy.verdict === 'deny') {
      return this.deny(action, ctx, 'policy', 'POLICY_DENIED', policy.reason, risk, {
        policyRuleId: policy.rule,
      });
    }
    const boundary = await paths;
    const never = boundary.find((b) => b.kind === 'never');
    if (never !== undefined && never.kind === 'never') {
      return this.deny(
        action,
        ctx,
        'policy',
        'POLICY_DENIED',
        `${never.realPath} is never allowed (${never.rule})`,
        risk,
        {
          policyRuleId: `never_allow:${never.rule}`,
        },
      );
    }
    const unresolved = policy.unresolved !== undefined && policy.unresolved.length > 0;
    if (unresolved) risk = 'critical';
    const codeRunner =
      runsArbitraryCode(action) || (policy.runsCode !== undefined && policy.runsCode.length > 0);
    const hidden = policy.hidden !== undefined && policy.hidden.length > 0;
    // Once untrusted content is in the session, commands and network never auto-apply.
    const escalated = deps.settings.escalateAfterUntrusted && ctx.tainted && ESCALATED_KINDS.has(action.kind);

    // 2. Token (or a session allowance): authorizes without asking, unless escalated or unresolved.
    let token: CapabilityToken | undefined;
    let allowanceId: string | undefined;
    if (!escalated && !unresolved) {
      token = this.findToken(action, hash, ctx, codeRunner);
      if (token === undefined && !codeRunner)
        allowanceId = deps.allowances.find(action, ctx.principal, ctx.session)?.id;
    }

    // 3. Budget: reserve before anyone is asked, so a human never approves what cannot be paid.
    const cost = ctx.cost ?? deps.settings.actionCostsMicros[action.kind] ?? 0;
    const reserved = await this.reserve(action, ctx, cost, risk);
    if ('allowed' in reserved) return reserved;
    const reservation = reserved;

    let proof: GrantProof;
    let approval: ApprovalRequest | undefined;
    try {
      // Everything above only read. A single-use token is consumed, a human asked and a
      // countdown shown only once the caller's precondition holds (ask() and countdown()
      // wait for it); the decision entry is prepared meanwhile and written after it.
      if (token !== undefined) {
        if (token.single_use) await ctx.precondition;
        try {
          // Consumes a single-use token; a concurrent use may have won the race.
          await deps.tokens.authorize(token, { action, principal: ctx.principal, session: ctx.session });
        } catch {
          token = undefined;
        }
      }
      // 4. Approval: the mode decides whether to ask, unless a token or allowance already decided.
      if (token !== undefined) {
        proof = { stage: 'token', tokenId: token.id };
      } else if (allowanceId !== undefined) {
        proof = { stage: 'allowance', allowanceId };
      } else {
        const mode = decideByMode({
          action,
          boundary,
          mode: deps.settings.mode,
          escapePolicy: deps.settings.escapePolicy,
          commandAllowed:
            action.kind === 'execute_command' &&
            matchesAllowedCommand(action.argv, deps.settings.allowedCommands),
          ...(ctx.sessionOwned === undefined ? {} : { sessionOwned: ctx.sessionOwned }),
        });
        if (mode.verdict === 'deny') {
          reservation.refund();
          const code: ErrorCode = mode.rule === 'escape_deny' ? 'PATH_ESCAPE' : 'POLICY_DENIED';
          return this.deny(action, ctx, 'mode', code, mode.reason, risk, { policyRuleId: mode.rule });
        }
        if (mode.verdict === 'auto_allow' && !unresolved && !escalated && !hidden) {
          proof = { stage: 'mode', rule: mode.rule };
        } else {
          approval = await this.ask(action, ctx, risk, unresolved, escalated);
          if (approval.state !== 'approved') {
            reservation.refund();
            return this.deniedByHuman(action, ctx, approval, risk);
          }
          proof = { stage: 'approval', approvalId: approval.id };
        }
      }
      // Auto-applied high-risk actions give every frontend a chance to stop them first.
      if (proof.stage !== 'approval' && compareRisk(risk, 'high') >= 0) {
        const cancelled = await this.countdown(action, ctx, risk);
        if (cancelled) {
          reservation.refund();
          return this.deny(
            action,
            ctx,
            'approval',
            'APPROVAL_CANCELLED',
            'cancelled during the auto-apply countdown',
            risk,
            {},
          );
        }
      }
    } catch (err) {
      reservation.refund();
      throw err;
    }

    // 5. Audit: the decision and its proof are durable before anything runs (fail closed).
    let entryId: string;
    try {
      const entry = await deps.audit.append(
        {
          kind: 'decision',
          principal: ctx.principal,
          sessionId: ctx.session,
          action,
          decision: this.decision(
            'allow',
            describeProof(proof, escalated),
            risk,
            this.proofOf(proof, approval),
          ),
          details: {
            stage: proof.stage,
            inputClass: ctx.inputClass,
            escalated,
            actionHash: hash,
          },
        },
        ctx.precondition === undefined ? {} : { after: ctx.precondition },
      );
      entryId = entry.id;
    } catch (err) {
      reservation.refund();
      if (ctx.precondition !== undefined) await ctx.precondition; // the caller's failure, not the audit's
      return {
        allowed: false,
        stage: 'audit',
        code: 'AUDIT_APPEND_FAILED',
        reason: `the decision could not be audited: ${(err as Error).message}`,
      };
    }
    if (deps.epochs.current() !== epoch) {
      reservation.refund();
      return this.deny(
        action,
        ctx,
        'policy',
        'AUTHORIZATION_INVALID',
        'a lockdown happened while this was decided',
        risk,
        {},
      );
    }
    if (approval !== undefined && !codeRunner)
      await applyLongerAnswer(deps, this.now(), action, ctx, approval, entryId);
    const authorization = issueAuthorization(action, ctx.session, epoch, entryId, hash);
    this.issued.set(authorization, { reservation, ctx });
    return { allowed: true, authorization, decisionEntry: entryId, risk, proof };
  }

  /**
   * Runs `run` for `action` only with a genuine, unused Authorization for exactly that
   * action; then audits the result (output hash and length only) linked to the decision.
   */
  async execute<T>(
    authorization: unknown,
    action: SensitiveAction,
    run: () => Promise<ToolRun<T>>,
    options: ExecuteOptions<T> = {},
  ): Promise<T> {
    return this.executeAll([authorization], [action], run, options);
  }

  /**
   * Like {@link execute} for one tool call that performs several actions at once (a shell
   * command that deletes two files): every action needs its own Authorization, all are
   * checked and consumed before `run` starts, and one result entry links every decision.
   */
  async executeAll<T>(
    authorizations: readonly unknown[],
    actions: readonly SensitiveAction[],
    run: () => Promise<ToolRun<T>>,
    options: ExecuteOptions<T> = {},
  ): Promise<T> {
    if (actions.length === 0 || authorizations.length !== actions.length) {
      throw new AstridError(
        'AUTHORIZATION_INVALID',
        `expected one Authorization per action (${actions.length}), got ${authorizations.length}`,
      );
    }
    // Check every one before consuming any, so a bad one does not waste the good ones.
    for (let i = 0; i < actions.length; i++) {
      const a = authorizations[i];
      if (!(a instanceof Authorization) || !this.issued.has(a) || a.consumed) {
        throw new AstridError(
          'AUTHORIZATION_INVALID',
          'no valid, unused Authorization was presented for every action',
        );
      }
    }
    const issued: Issued[] = [];
    const decisions: string[] = [];
    for (let i = 0; i < actions.length; i++) {
      const auth = consumeAuthorization(authorizations[i], actions[i] as SensitiveAction, this.deps.epochs);
      const entry = this.issued.get(auth);
      if (entry === undefined)
        throw new AstridError('AUTHORIZATION_INVALID', 'this Authorization was not issued here');
      this.issued.delete(auth);
      issued.push(entry);
      decisions.push(auth.decisionEntry);
    }
    const { ctx } = issued[0] as Issued;
    const started = this.now();
    let result: ToolRun<T> | undefined;
    let failure: unknown;
    try {
      result = await run();
      // The actual cost (LLM usage) is charged to the first reservation; the rest commit as reserved.
      issued.forEach((it, i) => {
        it.reservation.commit(i === 0 ? (result?.cost ?? it.reservation.amount) : it.reservation.amount);
      });
    } catch (err) {
      failure = err;
      for (const it of issued) it.reservation.refund();
    }
    const cancelled = failure !== undefined && ctx.signal?.aborted === true;
    const audited = this.deps.audit.append({
      kind: 'result',
      principal: ctx.principal,
      sessionId: ctx.session,
      action: actions[0] as SensitiveAction,
      outcome: {
        status: failure === undefined ? 'success' : cancelled ? 'cancelled' : 'failure',
        ...(failure === undefined ? {} : { error: (failure as Error).message ?? String(failure) }),
        ...(result?.exitCode === undefined ? {} : { exitCode: result.exitCode }),
        durationMs: this.now() - started,
      },
      ...(result?.output === undefined ? {} : { output: result.output }),
      details:
        decisions.length === 1 ? { decisionEntry: decisions[0] as string } : { decisionEntries: decisions },
    });
    const { alongside } = options;
    const besides =
      failure === undefined && alongside !== undefined
        ? (async () => alongside((result as ToolRun<T>).value))()
        : undefined;
    const [entry, own] = await Promise.allSettled([audited, besides]);
    if (entry.status === 'rejected') throw entry.reason;
    if (own.status === 'rejected') throw own.reason;
    if (failure !== undefined) throw failure;
    return (result as ToolRun<T>).value;
  }

  /**
   * Gives back Authorizations that will not be used (a later action of the same tool call
   * was denied): each is consumed so it can never run, its budget is refunded, and the
   * result entry records that nothing ran.
   */
  async release(
    authorizations: readonly unknown[],
    actions: readonly SensitiveAction[],
    reason: string,
  ): Promise<void> {
    await this.executeAll(authorizations, actions, async () => {
      throw new AstridError('APPROVAL_CANCELLED', `not run: ${reason}`);
    }).catch((err: unknown) => {
      if (!(err instanceof AstridError) || err.code !== 'APPROVAL_CANCELLED') throw err;
    });
  }

  /** Cancels a running auto-apply countdown (from any frontend). Returns false if none. */
  cancelAutoApply(id: string): boolean {
    const cancel = this.countdowns.get(id);
    if (cancel === undefined) return false;
    cancel();
    return true;
  }

  private findToken(
    action: SensitiveAction,
    hash: string,
    ctx: InterceptContext,
    codeRunner: boolean,
  ): CapabilityToken | undefined {
    for (const token of this.deps.tokens.findCovering(action, ctx.principal, ctx.session)) {
      // A command that runs arbitrary code is only ever allowed once, for its exact hash.
      if (codeRunner && !(token.single_use && token.action_hash === hash)) continue;
      // A command token must name an argv pattern, never the bare binary with any arguments.
      if (
        action.kind === 'execute_command' &&
        token.action_hash === undefined &&
        token.resources.some(isBareBinary)
      )
        continue;
      try {
        this.deps.tokens.verify(token, { action, principal: ctx.principal, session: ctx.session });
        return token;
      } catch {}
    }
    return undefined;
  }

  private async reserve(
    action: SensitiveAction,
    ctx: InterceptContext,
    cost: number,
    risk: RiskLevel,
  ): Promise<BudgetReservation | Denied> {
    const { budget } = this.deps;
    let r = budget.reserve(ctx.session, cost, ctx.workspace);
    if (!isBudgetRefusal(r)) return r;
    if (r.limit !== 'session') {
      return this.deny(action, ctx, 'budget', 'BUDGET_EXCEEDED', r.reason, risk, {
        budget: { costMicros: cost },
      });
    }
    // Over the session budget: ask the human to extend it (they may change the amount).
    await ctx.precondition;
    const usage = budget.usage(ctx.session);
    const needed = r.requested - r.available;
    const request = await this.deps.approvals.create({
      session: ctx.session,
      principal: ctx.principal,
      action,
      risk,
      summary: `Extend the session budget by ${needed} micro-USD to allow: ${describeAction(action)}`,
      preview: { kind: 'budget', session: ctx.session, amount: needed, limit: usage.limit ?? 0 },
      timeoutMs: this.deps.settings.approvalTimeoutMs,
    });
    const answered = await waitForAnswer(this.deps.approvals, request, ctx.signal);
    if (answered.state !== 'approved') {
      return this.deny(
        action,
        ctx,
        'budget',
        'BUDGET_EXCEEDED',
        `${r.reason}; the extension was ${answered.state}`,
        risk,
        {
          approval: approvalProof(answered),
        },
      );
    }
    const by = answered.budgetExtensionMicros ?? needed;
    budget.extend(ctx.session, by);
    await this.deps.audit.append({
      kind: 'budget_extended',
      principal: ctx.principal,
      sessionId: ctx.session,
      decision: this.decision('allow', `session budget extended by ${by} micro-USD`, risk, {
        approval: approvalProof(answered),
      }),
      details: { event: 'budget_extended', byMicros: by, approvalId: answered.id },
    });
    r = budget.reserve(ctx.session, cost, ctx.workspace);
    if (isBudgetRefusal(r)) {
      return this.deny(
        action,
        ctx,
        'budget',
        'BUDGET_EXCEEDED',
        `${r.reason} (after the extension)`,
        risk,
        {},
      );
    }
    return r;
  }

  private async ask(
    action: SensitiveAction,
    ctx: InterceptContext,
    risk: RiskLevel,
    unresolved: boolean,
    escalated: boolean,
  ): Promise<ApprovalRequest> {
    await ctx.precondition;
    let summary = describeAction(action);
    if (unresolved) summary += ' — cannot be fully analysed (critical)';
    if (escalated) summary += ' — untrusted content is in this session';
    const request = await this.deps.approvals.create({
      session: ctx.session,
      principal: ctx.principal,
      action,
      risk,
      summary,
      ...(ctx.agentText === undefined ? {} : { agentText: ctx.agentText }),
      preview: ctx.preview ?? defaultPreview(action, this.deps.settings.sandboxed),
      timeoutMs: this.deps.settings.approvalTimeoutMs,
    });
    return waitForAnswer(this.deps.approvals, request, ctx.signal);
  }

  private async countdown(action: SensitiveAction, ctx: InterceptContext, risk: RiskLevel): Promise<boolean> {
    const seconds = this.deps.settings.countdownSeconds;
    if (seconds <= 0) return false;
    await ctx.precondition;
    const id = randomId('cd');
    return new Promise<boolean>((resolve) => {
      const finish = (cancelled: boolean) => {
        clearTimeout(timer);
        this.countdowns.delete(id);
        ctx.signal?.removeEventListener('abort', onAbort);
        if (cancelled) this.deps.onEvent?.({ type: 'auto_apply_cancelled', id });
        resolve(cancelled);
      };
      const onAbort = () => finish(true);
      const timer = setTimeout(() => finish(false), seconds * 1000);
      this.countdowns.set(id, () => finish(true));
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      this.deps.onEvent?.({ type: 'auto_apply', id, session: ctx.session, action, risk, seconds });
      if (ctx.signal?.aborted) finish(true);
    });
  }

  private deniedByHuman(
    action: SensitiveAction,
    ctx: InterceptContext,
    approval: ApprovalRequest,
    risk: RiskLevel,
  ) {
    const { code, reason } = approvalRefusal(approval);
    return this.deny(action, ctx, 'approval', code, reason, risk, { approval: approvalProof(approval) });
  }

  private decision(
    verdict: 'allow' | 'deny',
    reason: string,
    risk: RiskLevel,
    proof: DecisionProofInput,
  ): AuditDecision {
    return { verdict, reason, risk, proof: proof as DecisionProof };
  }

  private proofOf(proof: GrantProof, approval: ApprovalRequest | undefined): DecisionProofInput {
    return {
      ...(proof.rule === undefined ? {} : { policyRuleId: proof.rule }),
      ...(proof.tokenId === undefined ? {} : { tokenId: proof.tokenId }),
      ...(proof.allowanceId === undefined ? {} : { allowanceId: proof.allowanceId }),
      ...(approval === undefined ? {} : { approval: approvalProof(approval) }),
    };
  }

  private async deny(
    action: SensitiveAction | undefined,
    ctx: InterceptContext,
    stage: InterceptStage,
    code: ErrorCode,
    reason: string,
    risk: RiskLevel,
    proof: DecisionProofInput,
  ): Promise<Denied> {
    await ctx.precondition; // outside the try: the caller's failure is not this denial's
    try {
      const entry = await this.deps.audit.append({
        kind: 'decision',
        principal: ctx.principal,
        sessionId: ctx.session,
        ...(action === undefined ? {} : { action }),
        decision: this.decision('deny', reason, risk, proof),
        details: { stage, code, inputClass: ctx.inputClass },
      });
      return { allowed: false, stage, code, reason, decisionEntry: entry.id };
    } catch {
      // Still denied; the missing entry is what the failed append reports elsewhere.
      return { allowed: false, stage, code, reason };
    }
  }
}
