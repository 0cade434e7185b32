import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@astrid/audit';
import { CapabilityStore, TrustedKeys } from '@astrid/capabilities';
import { type PrincipalId, principalId, type SessionId, sessionId } from '@astrid/core';
import { RuntimeKeyRing } from '@astrid/crypto';
import { type Database, LevelDatabase } from '@astrid/storage';
import { WorkspaceBoundary } from '@astrid/workspace';
import { AllowanceStore } from '../../src/allowances.js';
import { ApprovalBroker } from '../../src/approvals/broker.js';
import type { ApprovalAnswer, ApprovalRequest } from '../../src/approvals/request.js';
import type { EpochSource } from '../../src/authorization.js';
import { BudgetLedger, type BudgetLimits } from '../../src/budget/ledger.js';
import { SecurityInterceptor } from '../../src/interceptor.js';
import type {
  InterceptContext,
  InterceptorEvent,
  InterceptorSettings,
  PolicyStage,
} from '../../src/interceptor-types.js';
import { createPolicyStage, DEFAULT_POLICY_RULES } from '../../src/policy/index.js';

export type Answerer = (request: ApprovalRequest) => ApprovalAnswer | 'leave' | undefined;

export interface Harness {
  readonly home: string;
  readonly ws: string;
  readonly db: Database;
  readonly level: LevelDatabase;
  readonly keys: RuntimeKeyRing;
  readonly audit: AuditLog;
  readonly tokens: CapabilityStore;
  readonly approvals: ApprovalBroker;
  readonly allowances: AllowanceStore;
  readonly budget: BudgetLedger;
  readonly interceptor: SecurityInterceptor;
  readonly epoch: { value: number } & EpochSource;
  readonly events: InterceptorEvent[];
  readonly requests: ApprovalRequest[];
  answer: Answerer;
  ctx(over?: Partial<InterceptContext>): InterceptContext;
  close(): Promise<void>;
}

export const SESSION: SessionId = sessionId('sess-1');
export const AGENT: PrincipalId = principalId('agent-1');
export const USER = { principal: principalId('alice'), frontend: 'cli' };

/** Builds the interceptor from real parts on a real LevelDB in a temp dir. */
export async function makeHarness(
  options: {
    settings?: Partial<InterceptorSettings>;
    limits?: BudgetLimits;
    policy?: PolicyStage;
    wrapDb?: (db: Database) => Database;
    lockedDown?: () => boolean;
  } = {},
): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'astrid-icp-'));
  const ws = join(home, 'ws');
  await mkdir(ws);
  const level = await LevelDatabase.open(join(home, 'data'));
  const db = options.wrapDb ? options.wrapDb(level) : level;
  const keys = await RuntimeKeyRing.openOrCreate(join(home, 'data', 'keys'));
  const audit = await AuditLog.open({ db, signer: keys, checkpointSeconds: 0 });
  const tokens = await CapabilityStore.open({
    db,
    signer: keys,
    trustedKeys: TrustedKeys.fromKeyRing(keys, []),
  });
  const approvals = await ApprovalBroker.open(db, {
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
  const allowances = await AllowanceStore.open(db);
  const budget = new BudgetLedger(options.limits ?? { sessionMax: 10_000_000 });
  const boundary = await WorkspaceBoundary.create(ws, {
    home: join(home, 'home'),
    astridHome: join(home, 'data'),
  });
  const epoch = {
    value: 0,
    current() {
      return this.value;
    },
  };
  const events: InterceptorEvent[] = [];
  const requests: ApprovalRequest[] = [];
  const settings: InterceptorSettings = {
    mode: 'guided',
    escapePolicy: 'ask',
    allowedCommands: ['ls', 'git status'],
    countdownSeconds: 0,
    approvalTimeoutMs: 60_000,
    allowAlwaysTtlMs: 3_600_000,
    actionCostsMicros: {},
    escalateAfterUntrusted: true,
    sandboxed: false,
    ...options.settings,
  };
  const interceptor = new SecurityInterceptor({
    policy:
      options.policy ??
      createPolicyStage(DEFAULT_POLICY_RULES(join(home, 'home'), join(home, 'data')), {
        home: join(home, 'home'),
        env: { HOME: join(home, 'home'), ASTRID_HOME: join(home, 'data') },
        // No DNS in tests: names resolve to a public documentation address.
        resolveHost: async () => ['203.0.113.7'],
      }),
    boundary,
    tokens,
    budget,
    approvals,
    allowances,
    audit,
    epochs: epoch,
    ...(options.lockedDown === undefined ? {} : { lockedDown: options.lockedDown }),
    settings,
    onEvent: (e) => events.push(e),
  });
  const h: Harness = {
    home,
    ws: boundary.root,
    db,
    level,
    keys,
    audit,
    tokens,
    approvals,
    allowances,
    budget,
    interceptor,
    epoch,
    events,
    requests,
    answer: () => 'leave',
    ctx: (over = {}) => ({
      session: SESSION,
      principal: AGENT,
      inputClass: 'trusted',
      tainted: false,
      ...over,
    }),
    async close() {
      approvals.close();
      await audit.close();
      await level.close();
      await rm(home, { recursive: true, force: true });
    },
  };
  approvals.subscribe((event) => {
    if (event.type !== 'approval_requested') return;
    requests.push(event.request);
    const answer = h.answer(event.request);
    if (answer === undefined || answer === 'leave') return;
    // Answer on a later tick, as a frontend would.
    setImmediate(() => {
      approvals.answer(event.request.id, answer, USER).catch(() => {});
    });
  });
  return h;
}
