import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type AuditAppendInput, AuditLog } from '@astrid/audit';
import { report } from '@astrid/benchkit';
import { CapabilityStore, TrustedKeys } from '@astrid/capabilities';
import { principalId, type SensitiveAction, sessionId } from '@astrid/core';
import { actionHash, blake3Hex, RuntimeKeyRing } from '@astrid/crypto';
import { LevelDatabase } from '@astrid/storage';
import { WorkspaceBoundary } from '@astrid/workspace';
import picomatch from 'picomatch';
import {
  AllowanceStore,
  ApprovalBroker,
  BudgetLedger,
  createPolicyStage,
  DEFAULT_POLICY_RULES,
  isBudgetRefusal,
  SecurityInterceptor,
} from '../src/index.js';

const SESSION = sessionId('bench');
const AGENT = principalId('agent');

async function setup() {
  const home = await mkdtemp(join(tmpdir(), 'astrid-ibench-'));
  const ws = join(home, 'ws');
  await mkdir(ws);
  const db = await LevelDatabase.open(join(home, 'data'));
  const keys = await RuntimeKeyRing.openOrCreate(join(home, 'data', 'keys'));
  const audit = await AuditLog.open({ db, signer: keys, checkpointSeconds: 0 });
  const tokens = await CapabilityStore.open({ db, signer: keys, trustedKeys: TrustedKeys.fromKeyRing(keys) });
  const approvals = await ApprovalBroker.open(db);
  const allowances = await AllowanceStore.open(db);
  const budget = new BudgetLedger({ sessionMax: Number.MAX_SAFE_INTEGER });
  const boundary = await WorkspaceBoundary.create(ws, {
    home: join(home, 'home'),
    astridHome: join(home, 'data'),
  });
  const policy = createPolicyStage(DEFAULT_POLICY_RULES(join(home, 'home'), join(home, 'data')), {
    home: join(home, 'home'),
    resolveHost: async () => ['203.0.113.7'],
  });
  const interceptor = new SecurityInterceptor({
    policy,
    boundary,
    tokens,
    budget,
    approvals,
    allowances,
    audit,
    epochs: { current: () => 0 },
    settings: {
      mode: 'safe', // every action would ask: only the token lets it through
      escapePolicy: 'deny',
      allowedCommands: [],
      countdownSeconds: 0,
      approvalTimeoutMs: 60_000,
      allowAlwaysTtlMs: 3_600_000,
      actionCostsMicros: {},
      escalateAfterUntrusted: true,
      sandboxed: false,
    },
  });
  const pattern = `file://${boundary.root}/**`;
  const token = await tokens.mint({
    resources: [{ action: 'file_write', pattern }],
    subject: AGENT,
    auditEntryId: 'bench-0' as never,
    scope: 'persistent',
    ttlMs: 24 * 3_600_000,
  });
  return { home, db, keys, audit, tokens, budget, interceptor, root: boundary.root, pattern, token };
}

type Env = Awaited<ReturnType<typeof setup>>;

const ctx = { session: SESSION, principal: AGENT, inputClass: 'trusted' as const, tainted: false };
const action = (root: string, i: number): SensitiveAction => ({
  kind: 'file_write',
  path: `${root}/f${i % 64}.txt`,
});

/** One tool call through the interceptor: decision entry, token-authorized, executed, result entry. */
async function toolCall(env: Env, i: number): Promise<void> {
  const a = action(env.root, i);
  const r = await env.interceptor.intercept(a, ctx);
  if (!r.allowed) throw new Error(`denied: ${r.reason}`);
  await env.interceptor.execute(r.authorization, a, async () => ({ value: null, output: 'ok' }));
}

/** The same raw work, done directly: cached verify + glob + budget + BLAKE3 + the synced writes. */
function rawWork(
  env: Env,
  match: (s: string) => boolean,
  i: number,
): { action: SensitiveAction; hash: string } {
  const a = action(env.root, i);
  env.tokens.verify(env.token, { action: a, principal: AGENT, session: SESSION });
  if (!match(a.kind === 'file_write' ? `file://${a.path}` : '')) throw new Error('no match');
  const r = env.budget.reserve(SESSION, 0);
  if (isBudgetRefusal(r)) throw new Error('budget');
  r.commit(0);
  const hash = actionHash(a);
  blake3Hex('ok');
  return { action: a, hash };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** The two audit entries a tool call writes (as the interceptor writes them), for `-writes-only`. */
function callEntries(env: Env, a: SensitiveAction, hash: string): [AuditAppendInput, AuditAppendInput] {
  return [
    {
      kind: 'decision',
      principal: AGENT,
      sessionId: SESSION,
      action: a,
      decision: {
        verdict: 'allow',
        reason: 'capability token',
        risk: 'high',
        proof: { tokenId: env.token.id },
      },
      details: { stage: 'token', inputClass: 'trusted', escalated: false, actionHash: hash },
    },
    {
      kind: 'result',
      principal: AGENT,
      sessionId: SESSION,
      action: a,
      outcome: { status: 'success', durationMs: 0 },
      output: 'ok',
      details: { decisionEntry: 'aud_bench' },
    },
  ];
}

async function serial(env: Env): Promise<void> {
  const match = picomatch(env.pattern.slice('file://'.length).replace(/^/, 'file://'), { dot: true });
  const floorStore = env.db.store<unknown>('bench-floor');
  const record = { hash: blake3Hex('x'), body: 'x'.repeat(600) };
  const ours: number[] = [];
  const floor: number[] = [];
  const writesOnly: number[] = [];
  let k = 0;
  for (let i = 0; i < 20; i++) await toolCall(env, i);
  for (let round = 0; round < 40; round++) {
    let t = performance.now();
    for (let i = 0; i < 10; i++) {
      rawWork(env, match, i);
      await floorStore.put(`d${k++}`, record, { sync: true });
      await floorStore.put(`r${k++}`, record, { sync: true });
    }
    floor.push(((performance.now() - t) * 1000) / 10);
    t = performance.now();
    for (let i = 0; i < 10; i++) await toolCall(env, i);
    ours.push(((performance.now() - t) * 1000) / 10);
    t = performance.now();
    for (let i = 0; i < 10; i++) {
      // The action and its hash come from the raw work, as the interceptor hashes once.
      const { action: a, hash } = rawWork(env, match, i);
      const [decision, result] = callEntries(env, a, hash);
      await env.audit.append(decision);
      await env.audit.append(result);
    }
    writesOnly.push(((performance.now() - t) * 1000) / 10);
  }
  report({ name: 'interceptor-serial', value: median(ours), unit: 'us', floor: median(floor) });
  // The floor's raw work plus the call's two audit appends, and nothing else of the
  // interceptor: how much of the serial ratio the audit log's own writes take.
  report({
    name: 'interceptor-serial-writes-only',
    value: median(writesOnly),
    unit: 'us',
    floor: median(floor),
  });
}

async function concurrent(env: Env): Promise<void> {
  const match = picomatch(env.pattern, { dot: true });
  const floorStore = env.db.store<unknown>('bench-floor');
  const record = { hash: blake3Hex('x'), body: 'x'.repeat(600) };
  const workers = 64;
  const perWorker = 4;
  const n = workers * perWorker;
  const ours: number[] = [];
  const floor: number[] = [];
  let k = 0;
  for (let round = 0; round < 20; round++) {
    // Floor: the same raw work, with the decision writes and the result writes each in one synced batch of 64.
    let t = performance.now();
    for (let b = 0; b < perWorker; b++) {
      for (let w = 0; w < workers; w++) rawWork(env, match, w);
      await env.db.batch(
        Array.from({ length: workers }, () => floorStore.putOp(`d${k++}`, record)),
        { sync: true },
      );
      await env.db.batch(
        Array.from({ length: workers }, () => floorStore.putOp(`r${k++}`, record)),
        { sync: true },
      );
    }
    floor.push(n / ((performance.now() - t) / 1000));
    t = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = 0; i < perWorker; i++) await toolCall(env, w);
      }),
    );
    ours.push(n / ((performance.now() - t) / 1000));
  }
  report({ name: 'interceptor-concurrent-64', value: median(ours), unit: 'calls/s', floor: median(floor) });
}

const env = await setup();
try {
  await serial(env);
  await concurrent(env);
} finally {
  await env.audit.close();
  await env.db.close();
  await rm(env.home, { recursive: true, force: true });
}
