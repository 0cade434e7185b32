import { join } from 'node:path';
import type { AuditEntry } from '@astrid/audit';
import type { SensitiveAction } from '@astrid/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovalAnswer } from '../../src/approvals/request.js';
import { DEFAULT_POLICY_RULES, evaluatePolicy } from '../../src/policy/index.js';
import { AGENT, makeHarness } from './harness.js';

type ActionMaker = (ws: string, home: string) => SensitiveAction;

const ACTIONS: ActionMaker[] = [
  (ws) => ({ kind: 'file_read', path: join(ws, 'a.txt') }),
  (ws) => ({ kind: 'file_write', path: join(ws, 'b.txt') }),
  (ws) => ({ kind: 'file_delete', path: join(ws, 'c.txt') }),
  (ws) => ({ kind: 'file_write', path: join(ws, '.git', 'hooks', 'pre-commit') }),
  (_, home) => ({ kind: 'file_read', path: join(home, 'home', 'notes.txt') }),
  (_, home) => ({ kind: 'file_read', path: join(home, 'home', '.ssh', 'id_ed25519') }),
  (_, home) => ({ kind: 'file_read', path: join(home, 'data', 'daemon.json') }),
  () => ({ kind: 'file_read', path: '/etc/shadow' }),
  () => ({ kind: 'execute_command', argv: ['sudo', 'ls'] }),
  () => ({ kind: 'execute_command', argv: ['ls'] }),
  () => ({ kind: 'execute_command', argv: ['git', 'status'] }),
  () => ({ kind: 'execute_command', argv: ['python3', '-c', 'print(1)'] }),
  () => ({ kind: 'execute_command', argv: ['astrid', 'approvals', 'approve', 'x'] }),
  () => ({ kind: 'network_request', host: 'example.com', port: 443, method: 'GET' }),
  () => ({ kind: 'network_request', host: '169.254.169.254', port: 80, method: 'GET' }),
  () => ({ kind: 'network_request', host: '127.0.0.1', port: 8080, method: 'POST' }),
];

const TOKEN_PATTERNS = [
  (ws: string) => ({ action: 'file_read' as const, pattern: `file://${ws}/**` }),
  (ws: string) => ({ action: 'file_write' as const, pattern: `file://${ws}/**` }),
  () => ({ action: 'file_read' as const, pattern: 'file:///etc/**' }),
  () => ({ action: 'network_request' as const, pattern: 'net://169.254.169.254:80' }),
  () => ({ action: 'execute_command' as const, argv: ['sudo', 'ls'], trailing: 'none' as const }),
  () => ({ action: 'execute_command' as const, argv: ['python3', '**'], trailing: 'any' as const }),
];

const ANSWERS: (ApprovalAnswer | 'leave')[] = [
  { decision: 'allow_once' },
  { decision: 'allow_session' },
  { decision: 'allow_always' },
  { decision: 'deny', reason: 'no' },
];

describe('SecurityInterceptor property', () => {
  it('never executes a policy-denied action; every result follows exactly one allow decision; the chain verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          steps: fc.array(
            fc.record({
              action: fc.nat({ max: ACTIONS.length - 1 }),
              answer: fc.nat({ max: ANSWERS.length - 1 }),
              tainted: fc.boolean(),
              execute: fc.boolean(),
            }),
            { minLength: 1, maxLength: 10 },
          ),
          tokens: fc.uniqueArray(fc.nat({ max: TOKEN_PATTERNS.length - 1 }), { maxLength: 3 }),
          mode: fc.constantFrom('safe', 'guided', 'autonomous' as const),
        }),
        async ({ steps, tokens, mode }) => {
          const h = await makeHarness({ settings: { mode } });
          try {
            const rules = DEFAULT_POLICY_RULES(join(h.home, 'home'), join(h.home, 'data'));
            for (const t of tokens) {
              const maker = TOKEN_PATTERNS[t];
              if (maker === undefined) continue;
              await h.tokens.mint({
                resources: [maker(h.ws)],
                subject: AGENT,
                auditEntryId: 'e-0' as never,
                scope: 'persistent',
              });
            }
            const executed: SensitiveAction[] = [];
            for (const step of steps) {
              const action = (ACTIONS[step.action] as ActionMaker)(h.ws, h.home);
              h.answer = () => ANSWERS[step.answer];
              const r = await h.interceptor.intercept(action, h.ctx({ tainted: step.tainted }));
              if (r.allowed && step.execute) {
                await h.interceptor.execute(r.authorization, action, async () => {
                  executed.push(action);
                  return { value: null, output: 'ok' };
                });
              }
            }
            for (const action of executed) {
              const verdict = await evaluatePolicy(action, rules, {
                workspaceRoot: h.ws,
                home: join(h.home, 'home'),
                resolveHost: async () => ['203.0.113.7'],
              });
              expect(verdict.verdict, JSON.stringify(action)).toBe('pass');
            }
            const entries: AuditEntry[] = [];
            for await (const e of h.audit.read()) entries.push(e);
            const bySeq = new Map(entries.map((e) => [e.id as string, e]));
            const results = entries.filter((e) => e.kind === 'result');
            expect(results).toHaveLength(executed.length);
            const used = new Set<string>();
            for (const res of results) {
              const ref = (res.details as { decisionEntry: string }).decisionEntry;
              const decision = bySeq.get(ref);
              expect(decision?.kind).toBe('decision');
              expect(decision?.decision?.verdict).toBe('allow');
              expect(decision!.seq).toBeLessThan(res.seq);
              expect(used.has(ref)).toBe(false);
              used.add(ref);
            }
            expect((await h.audit.verify()).ok).toBe(true);
          } finally {
            await h.close();
          }
        },
      ),
      { numRuns: 25, seed: 20261121 },
    );
  });
});
