import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AllowanceStore,
  type ApprovalAnswer,
  ApprovalBroker,
  type ApprovalRequest,
  type Authorization,
  BudgetLedger,
  createPolicyStage,
  DEFAULT_POLICY_RULES,
  type InterceptorSettings,
  type PolicyRules,
  SecurityInterceptor,
} from '@astrid/approval';
import { type AuditEntry, AuditLog } from '@astrid/audit';
import { CapabilityStore, TrustedKeys } from '@astrid/capabilities';
import { type PrincipalId, principalId, type SensitiveAction, type SessionId, sessionId } from '@astrid/core';
import { RuntimeKeyRing } from '@astrid/crypto';
import { LevelDatabase } from '@astrid/storage';
import { WorkspaceBoundary } from '@astrid/workspace';
import { policyRecheck } from '../../src/policy-recheck.js';
import { ProcessTracker } from '../../src/processes.js';
import type { Tool, ToolContext, ToolPlan } from '../../src/tool.js';

/** Answers an approval request (or leaves it pending). */
export type Answerer = (request: ApprovalRequest) => ApprovalAnswer | 'leave';

/** The real interceptor on a real LevelDB, a workspace, a fake home and a directory outside both. */
export interface ToolHarness {
  readonly base: string;
  readonly ws: string;
  readonly home: string;
  readonly outside: string;
  readonly audit: AuditLog;
  readonly interceptor: SecurityInterceptor;
  readonly boundary: WorkspaceBoundary;
  readonly processes: ProcessTracker;
  readonly requests: ApprovalRequest[];
  answer: Answerer;
  ctx(over?: Partial<ToolContext>): ToolContext;
  /** Plans `input` with `tool` and collects one Authorization per planned action. */
  authorize<I>(
    tool: Tool<I>,
    input: unknown,
    ctx?: ToolContext,
  ): Promise<{ input: I; plan: ToolPlan; auths: Authorization[] }>;
  entries(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export const SESSION: SessionId = sessionId('sess-tools');
export const AGENT: PrincipalId = principalId('agent-1');
const USER = { principal: principalId('alice'), frontend: 'cli' };

/** Where the harness lives and which admin policy it runs. */
export interface HarnessOptions {
  /**
   * The directory the temp dir is made in (default the OS tmpdir). Sandbox tests use
   * /var/tmp: the sandbox replaces /tmp with an empty private one, so a home or an
   * `outside` dir under /tmp would be invisible anyway and prove nothing.
   */
  readonly parent?: string;
  /** The admin policy; default `DEFAULT_POLICY_RULES(home, data)`. */
  readonly rules?: (home: string, data: string) => PolicyRules;
}

/** Builds everything from real parts in a fresh temp dir; approvals are answered Allow Once by default. */
export async function makeHarness(
  settings: Partial<InterceptorSettings> = {},
  options: HarnessOptions = {},
): Promise<ToolHarness> {
  if (options.parent !== undefined) await mkdir(options.parent, { recursive: true });
  const base = await mkdtemp(join(options.parent ?? tmpdir(), 'astrid-tools-'));
  const wsDir = join(base, 'ws');
  const home = join(base, 'home');
  const outside = join(base, 'outside');
  const data = join(base, 'data');
  await Promise.all([mkdir(wsDir), mkdir(join(home, '.ssh'), { recursive: true }), mkdir(outside)]);
  await writeFile(join(home, '.ssh', 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n');
  const level = await LevelDatabase.open(data);
  const keys = await RuntimeKeyRing.openOrCreate(join(data, 'keys'));
  const audit = await AuditLog.open({ db: level, signer: keys, checkpointSeconds: 0 });
  const tokens = await CapabilityStore.open({
    db: level,
    signer: keys,
    trustedKeys: TrustedKeys.fromKeyRing(keys, []),
  });
  const approvals = await ApprovalBroker.open(level, {
    audit: async (kind, request) =>
      (
        await audit.append({
          kind,
          principal: request.principal,
          sessionId: request.session,
          action: request.action,
          details: { approvalId: request.id, state: request.state },
        })
      ).id,
  });
  const allowances = await AllowanceStore.open(level);
  const boundary = await WorkspaceBoundary.create(wsDir, { home, astridHome: data });
  const policy = createPolicyStage((options.rules ?? DEFAULT_POLICY_RULES)(home, data), {
    home,
    env: { HOME: home, ASTRID_HOME: data },
    resolveHost: async () => ['203.0.113.7'],
  });
  const interceptor = new SecurityInterceptor({
    policy,
    boundary,
    tokens,
    budget: new BudgetLedger({ sessionMax: 10_000_000 }),
    approvals,
    allowances,
    audit,
    epochs: { current: () => 0 },
    settings: {
      mode: 'guided',
      escapePolicy: 'ask',
      allowedCommands: ['ls', 'pwd'],
      countdownSeconds: 0,
      approvalTimeoutMs: 60_000,
      allowAlwaysTtlMs: 3_600_000,
      actionCostsMicros: {},
      escalateAfterUntrusted: true,
      sandboxed: false,
      ...settings,
    },
  });
  const recheckPolicy = policyRecheck(policy, boundary.root);
  const requests: ApprovalRequest[] = [];
  const processes = new ProcessTracker();
  const h: ToolHarness = {
    base,
    ws: boundary.root,
    home,
    outside,
    audit,
    interceptor,
    boundary,
    processes,
    requests,
    answer: () => ({ decision: 'allow_once' }),
    ctx: (over = {}) => ({
      session: SESSION,
      principal: AGENT,
      inputClass: 'trusted',
      tainted: false,
      interceptor,
      boundary,
      recheckPolicy,
      ...over,
    }),
    async authorize(tool, raw, ctx = h.ctx()) {
      const input = tool.inputSchema.parse(raw);
      const plan = await tool.plan(input, ctx);
      const auths: Authorization[] = [];
      for (const action of plan.actions) {
        const r = await interceptor.intercept(action, {
          session: SESSION,
          principal: AGENT,
          inputClass: 'trusted',
          tainted: false,
        });
        if (!r.allowed) throw new Error(`expected an authorization, got ${r.code}: ${r.reason}`);
        auths.push(r.authorization);
      }
      return { input, plan, auths };
    },
    async entries() {
      const out: AuditEntry[] = [];
      for await (const e of audit.read()) out.push(e);
      return out;
    },
    async close() {
      processes.killAll();
      approvals.close();
      await audit.close();
      await level.close();
      await rm(base, { recursive: true, force: true });
    },
  };
  approvals.subscribe((event) => {
    if (event.type !== 'approval_requested') return;
    requests.push(event.request);
    const answer = h.answer(event.request);
    if (answer === 'leave') return;
    // Answer on a later tick, as a frontend would.
    setImmediate(() => {
      approvals.answer(event.request.id, answer, USER).catch(() => {});
    });
  });
  return h;
}

/** The kinds and paths of a plan's actions, for readable assertions. */
export function actionLines(actions: readonly SensitiveAction[]): string[] {
  return actions.map((a) =>
    a.kind === 'execute_command'
      ? `execute_command ${a.argv.join(' ')}`
      : `${a.kind} ${'path' in a ? a.path : ''}`,
  );
}
