import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BudgetLedger } from '@astrid/approval';
import { sessionId } from '@astrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentSession, EventHub, isLooser, SubagentSupervisor } from '../src/index.js';
import { rig, type TestRig } from './helpers.js';

let r: TestRig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const task = (description: string, prompt = `Please ${description}.`) => ({
  name: 'task',
  arguments: { description, prompt },
});

describe('sub-agents through the task tool', () => {
  it('hold the depth limit: a grandchild beyond subagents.max_depth is refused', async () => {
    const t = await rig({ flags: { subagents: { max_depth: 1 } } });
    r = t;
    t.answer = () => ({ decision: 'allow_once' });
    t.server.enqueue(
      { toolCalls: [task('inspect the repo')] },
      { toolCalls: [task('go one deeper')] }, // the child tries to spawn its own child
      { text: 'child gave up on delegating' },
      { text: 'parent done' },
    );
    const session = await t.runtime.createSession();
    expect(await session.send('start')).toMatchObject({ status: 'done', text: 'parent done' });
    const [inner, outer] = t.of('tool_result');
    expect(inner?.agent).toMatchObject({ depth: 1, parent: session.id });
    expect(inner?.isError).toBe(true);
    expect(inner?.summary).toContain('sub-agents may nest at most 1 deep');
    expect(outer).toMatchObject({ tool: 'task', isError: false });
    expect(outer?.summary).toContain('child gave up on delegating');
    expect(t.of('subagent_started')).toHaveLength(1);
  });

  it('hold the concurrency limit: a third parallel sub-agent is refused when the limit is 2', async () => {
    const t = await rig({ flags: { subagents: { max_concurrent: 2 } } });
    r = t;
    t.answer = () => ({ decision: 'allow_once' });
    t.server.enqueue(
      { toolCalls: [task('part one'), task('part two'), task('part three')] },
      // Slow replies keep both running children alive while the third asks to start.
      { text: 'child done', latencyMs: 40 },
      { text: 'child done', latencyMs: 40 },
      { text: 'parent done' },
    );
    const session = await t.runtime.createSession();
    expect(await session.send('do three things')).toMatchObject({ status: 'done', text: 'parent done' });
    const results = t.of('tool_result').filter((e) => e.agent.depth === 0);
    expect(results.filter((e) => !e.isError).map((e) => e.summary)).toEqual(['child done', 'child done']);
    const refused = results.filter((e) => e.isError);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.summary).toContain('subagents.max_concurrent = 2');
    expect(t.of('subagent_finished')).toHaveLength(2);
  });

  it("a sub-agent that needs more budget than its carve-out of the parent's is stopped when the extension is denied", async () => {
    const t = await rig({
      flags: {
        // Input free, output $10/Mtok: every request's worst case is 1024 output tokens = $0.01024.
        model: {
          pricing: {
            input_micro_usd_per_mtok: 0,
            output_micro_usd_per_mtok: 10_000_000,
            cache_read_micro_usd_per_mtok: 0,
            cache_write_micro_usd_per_mtok: 0,
          },
        },
        budget: { session_max_usd: 0.015 },
      },
    });
    r = t;
    t.answer = (req) => (req.preview.kind === 'budget' ? { decision: 'deny' } : { decision: 'allow_once' });
    t.server.enqueue({ toolCalls: [task('expensive work')] }, { text: 'parent done' });
    const session = await t.runtime.createSession();
    expect(await session.send('go')).toMatchObject({ status: 'done', text: 'parent done' });
    // The child got half of what the parent had left, less than one request's worst case.
    const started = t.of('subagent_started')[0];
    expect(started?.budgetMicros).toBeLessThan(10_240);
    const extension = t.asked.find((a) => a.preview.kind === 'budget');
    expect(extension?.session).toBe(started?.agent.session);
    const labelled = t.of('approval_requested').find((e) => e.request.id === extension?.id);
    expect(labelled?.agent).toMatchObject({
      depth: 1,
      parent: session.id,
      label: 'sub-agent: expensive work',
    });
    const result = t.of('tool_result').find((e) => e.tool === 'task');
    expect(result?.isError).toBe(true);
    expect(result?.summary).toContain('The sub-agent stopped (denied)');
    // Only the parent's two requests (5 output tokens each) were charged; the child spent nothing.
    expect(t.of('subagent_finished')[0]?.spentMicros).toBe(0);
    expect(session.budget()).toEqual({ spent: 100, reserved: 0, limit: 15_000 });
  });

  it("does not inherit the parent's session allowances: the child is asked again, labelled with the child", async () => {
    const t = await rig({});
    r = t;
    let parentId = '';
    t.answer = (req) => {
      if (req.session !== parentId) return { decision: 'deny', reason: 'not the sub-agent' };
      return req.action.kind === 'file_write' ? { decision: 'allow_session' } : { decision: 'allow_once' };
    };
    t.server.enqueue(
      { toolCalls: [{ name: 'write_file', arguments: { path: 'x.txt', content: 'one\n' } }] },
      { toolCalls: [{ name: 'write_file', arguments: { path: 'x.txt', content: 'two\n' } }] },
      { toolCalls: [task('rewrite x')] },
      { toolCalls: [{ name: 'write_file', arguments: { path: 'x.txt', content: 'three\n' } }] },
      { text: 'the write was denied' },
      { text: 'parent done' },
    );
    const session = await t.runtime.createSession();
    parentId = session.id;
    expect(await session.send('write x')).toMatchObject({ status: 'done' });
    const writes = t.asked.filter((a) => a.action.kind === 'file_write');
    // Asked once for the parent (Allow Session covered its second write), once for the child.
    expect(writes.map((a) => a.session === session.id)).toEqual([true, false]);
    expect(await readFile(join(t.dirs.ws, 'x.txt'), 'utf8')).toBe('two\n');
    const childWrite = t.of('tool_result').find((e) => e.agent.depth === 1);
    expect(childWrite?.summary).toContain('APPROVAL_DENIED');
  });
});

describe('SubagentSupervisor', () => {
  function fakeParent(mode: 'safe' | 'guided' | 'autonomous', ledger: BudgetLedger): AgentSession {
    const id = sessionId('ses_parent');
    return {
      id,
      mode,
      ledger,
      tainted: false,
      ref: { session: id, root: id, depth: 0, label: 'p' },
    } as unknown as AgentSession;
  }

  it('refuses a budget above what the parent has left, and a looser mode, before spawning anything', async () => {
    let spawned = 0;
    const supervisor = new SubagentSupervisor(
      { maxDepth: 3, maxConcurrent: 5 },
      async () => {
        spawned++;
        throw new Error('not reached');
      },
      new EventHub(),
    );
    const ledger = new BudgetLedger({ sessionMax: 1_000_000, perActionMax: 100_000 });
    const parent = fakeParent('guided', ledger);
    ledger.reserve(parent.id, 100_000);
    const tooMuch = await supervisor.run(parent, { task: 't', prompt: 'p', budgetMicros: 900_001 });
    expect(tooMuch).toMatchObject({ isError: true, status: 'refused' });
    expect(tooMuch.content).toContain('asks for a budget of $0.900001, but its parent has only $0.90 left');
    const looser = await supervisor.run(parent, { task: 't', prompt: 'p', mode: 'autonomous' });
    expect(looser.content).toContain("looser than its parent's guided mode");
    expect(spawned).toBe(0);
    // Nothing stays held on the parent's ledger after a refusal.
    expect(ledger.usage(parent.id)).toMatchObject({ reserved: 100_000 });
  });

  it('holds a carve-out above the per-action limit on the parent and gives back what the child did not spend', async () => {
    const ledger = new BudgetLedger({ sessionMax: 1_000_000, perActionMax: 100_000 });
    const parent = fakeParent('guided', ledger);
    let during: unknown;
    const supervisor = new SubagentSupervisor(
      { maxDepth: 3, maxConcurrent: 5 },
      async () => {
        during = ledger.usage(parent.id);
        const child = sessionId('sub_child');
        return {
          id: child,
          ledger: { usage: () => ({ spent: 1234, reserved: 0, limit: 350_000 }) },
          tainted: true,
          ref: { session: child, root: parent.id, depth: 1, label: 'c' },
          send: async () => ({ status: 'done', text: 'ok', steps: 1 }),
          end: async () => undefined,
        } as unknown as AgentSession;
      },
      new EventHub(),
    );
    const result = await supervisor.run(parent, { task: 't', prompt: 'p', budgetMicros: 350_000 });
    expect(result).toMatchObject({ isError: false, content: 'ok', spentMicros: 1234, tainted: true });
    expect(during).toMatchObject({ reserved: 350_000 });
    expect(ledger.usage(parent.id)).toMatchObject({ spent: 1234, reserved: 0 });
  });

  it('orders modes from safe (strictest) to autonomous', () => {
    expect(isLooser('autonomous', 'guided')).toBe(true);
    expect(isLooser('guided', 'safe')).toBe(true);
    expect(isLooser('safe', 'guided')).toBe(false);
    expect(isLooser('guided', 'guided')).toBe(false);
  });
});
