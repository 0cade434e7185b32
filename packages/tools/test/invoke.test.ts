import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtinTools, toolList } from '../src/builtin.js';
import { invokeTool, toolDefinitions } from '../src/invoke.js';
import type { Tool } from '../src/tool.js';
import { makeHarness, type ToolHarness } from './helpers/harness.js';

let h: ToolHarness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.close();
});

const tools = () =>
  builtinTools({ bash: { processes: h.processes, inheritEnv: { PATH: process.env.PATH } } });

describe('invokeTool', () => {
  it('refuses bad input with a message naming the field, before planning', async () => {
    const out = await invokeTool(tools().read_file, { path: 7, offset: 'x' }, h.ctx());
    expect(out.isError).toBe(true);
    expect(out.content).toMatch(/^invalid arguments for read_file: "path": .*; "offset": /);
    expect(h.requests).toHaveLength(0);
  });

  it('returns a denial as an error result the agent can read', async () => {
    h.answer = () => ({ decision: 'deny', reason: 'not now' });
    const out = await invokeTool(tools().write_file, { path: 'x.txt', content: 'x' }, h.ctx());
    expect(out).toMatchObject({
      isError: true,
      content: 'APPROVAL_DENIED: the user denied this: not now',
      meta: { code: 'APPROVAL_DENIED', stage: 'approval' },
    });
    expect(existsSync(join(h.ws, 'x.txt'))).toBe(false);
  });

  it('stops at the first denial and releases the Authorizations already issued (audited as not run)', async () => {
    h.answer = (r) => (r.action.kind === 'file_write' ? { decision: 'deny' } : { decision: 'allow_once' });
    const out = await invokeTool(tools().bash, { command: 'echo hi > out.txt' }, h.ctx());
    expect(out.content).toBe('APPROVAL_DENIED: the user denied this');
    expect(existsSync(join(h.ws, 'out.txt'))).toBe(false);
    const results = (await h.entries()).filter((e) => e.kind === 'result');
    expect(results).toHaveLength(1);
    expect(results[0]?.action).toMatchObject({ kind: 'execute_command' });
    expect(results[0]?.outcome).toMatchObject({ status: 'failure' });
    expect(results[0]?.outcome?.error).toContain('not run');
  });

  it('turns a crash inside a tool into an error result without a stack trace', async () => {
    const crashing: Tool<{ a: string }> = {
      name: 'crash',
      description: 'crashes',
      inputSchema: z.object({ a: z.string() }),
      async plan() {
        return { actions: [{ kind: 'file_read', path: h.ws }] };
      },
      async run() {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    const out = await invokeTool(crashing, { a: 'x' }, h.ctx());
    expect(out).toEqual({ isError: true, content: 'TypeError: cannot read properties of undefined' });
    const planCrash = await invokeTool(
      { ...crashing, plan: () => Promise.reject(new Error('boom')) },
      { a: 'x' },
      h.ctx(),
    );
    expect(planCrash).toEqual({ isError: true, content: 'Error: boom' });
  });

  it('answers every built-in tool with a result, never a throw, on hostile input', async () => {
    const hostile = [
      { path: '~nobody/x' },
      { path: 'a\0b' },
      { path: '../../../../etc/passwd' },
      { pattern: '[' },
      { command: '' },
      { description: 'x', prompt: 'y' },
      {},
      null,
    ];
    for (const tool of toolList(tools())) {
      for (const input of hostile) {
        const out = await invokeTool(tool, input, h.ctx());
        expect(typeof out.content).toBe('string');
        expect(out.content).not.toMatch(/\n\s+at /);
      }
    }
  });
});

describe('task', () => {
  it('is unavailable without a sub-agent runner', async () => {
    const out = await invokeTool(tools().task, { description: 'd', prompt: 'p' }, h.ctx());
    expect(out).toEqual({ isError: true, content: 'sub-agents are not available in this session' });
  });

  it('gates the spawn as an llm_request of the child model and returns its text', async () => {
    const seen: string[] = [];
    const ctx = h.ctx({
      subagentModel: { provider: 'anthropic', model: 'claude-x' },
      runSubagent: async (prompt, description) => {
        seen.push(`${description}: ${prompt}`);
        return 'child says hi';
      },
    });
    const out = await invokeTool(tools().task, { description: 'count files', prompt: 'count them' }, ctx);
    expect(out.content).toBe('child says hi');
    expect(seen).toEqual(['count files: count them']);
    expect(h.requests[0]?.action).toEqual({ kind: 'llm_request', provider: 'anthropic', model: 'claude-x' });
    expect(h.requests[0]?.agentText).toBe('count files');
  });
});

describe('toolDefinitions', () => {
  it('describes the 8 tools with JSON schemas for the LLM', async () => {
    await writeFile(join(h.ws, 'x'), '');
    const defs = toolDefinitions(toolList(tools()));
    expect(defs.map((d) => d.name)).toEqual([
      'read_file',
      'write_file',
      'edit_file',
      'glob',
      'grep',
      'list_directory',
      'bash',
      'task',
    ]);
    for (const d of defs) {
      expect(d.input_schema.type).toBe('object');
      expect(d.input_schema).not.toHaveProperty('$schema');
      expect(d.description.length).toBeGreaterThan(20);
    }
    expect(defs[2]?.input_schema.required).toEqual(['path', 'old_string', 'new_string']);
  });
});
