import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Authorization } from '@astrid/approval';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinTools } from '../src/builtin.js';
import type { Tool, ToolContext } from '../src/tool.js';
import { AGENT, makeHarness, SESSION, type ToolHarness } from './helpers/harness.js';

let h: ToolHarness;
let subagentRuns: number;
beforeEach(async () => {
  h = await makeHarness();
  subagentRuns = 0;
  await writeFile(join(h.ws, 'sentinel.txt'), 'original');
  await mkdir(join(h.ws, 'dir'));
  await writeFile(join(h.ws, 'dir', 'a.txt'), 'original');
});
afterEach(async () => {
  await h.close();
});

function context(): ToolContext {
  return h.ctx({
    runSubagent: async () => {
      subagentRuns++;
      await writeFile(join(h.ws, 'sentinel.txt'), 'subagent');
      return 'done';
    },
  });
}

interface Case {
  readonly tool: keyof ReturnType<typeof builtinTools>;
  readonly input: Record<string, unknown>;
}

// Each tool with an input whose run would change the sentinel, create the marker, or read.
const CASES: Case[] = [
  { tool: 'read_file', input: { path: 'sentinel.txt' } },
  { tool: 'write_file', input: { path: 'sentinel.txt', content: 'evil' } },
  { tool: 'edit_file', input: { path: 'sentinel.txt', old_string: 'original', new_string: 'evil' } },
  { tool: 'glob', input: { pattern: '**/*.txt' } },
  { tool: 'grep', input: { pattern: 'original' } },
  { tool: 'list_directory', input: { path: 'dir' } },
  { tool: 'bash', input: { command: 'touch spawned.marker && echo evil > sentinel.txt' } },
  { tool: 'task', input: { description: 'write', prompt: 'overwrite the sentinel' } },
];

type Forgery = (real: readonly Authorization[], other: Authorization) => unknown[];
const FORGERIES: [string, Forgery][] = [
  ['no Authorization', () => []],
  ['undefined in place of each', (real) => real.map(() => undefined)],
  ['a structured clone of each', (real) => real.map((a) => structuredClone(a))],
  ['an object spread of each', (real) => real.map((a) => ({ ...a }))],
  [
    'a plain object with the same fields',
    (real) => real.map((a) => ({ actionHash: a.actionHash, session: a.session, epoch: 0 })),
  ],
  ['one issued for another action', (real, other) => real.map((_, i) => (i === 0 ? other : real[i]))],
];

async function unchanged(): Promise<void> {
  expect(await readFile(join(h.ws, 'sentinel.txt'), 'utf8')).toBe('original');
  expect(existsSync(join(h.ws, 'spawned.marker'))).toBe(false);
  expect(subagentRuns).toBe(0);
  expect(h.processes.size).toBe(0);
}

async function otherAuthorization(): Promise<Authorization> {
  const r = await h.interceptor.intercept(
    { kind: 'file_read', path: join(h.ws, 'dir', 'a.txt') },
    { session: SESSION, principal: AGENT, inputClass: 'trusted', tainted: false },
  );
  if (!r.allowed) throw new Error('expected an authorization');
  return r.authorization;
}

describe('no tool runs without a genuine, unused Authorization for exactly its actions', () => {
  for (const c of CASES) {
    for (const [name, forge] of FORGERIES) {
      it(`${c.tool}: refuses ${name}; the sentinel is unchanged and nothing is spawned`, async () => {
        const tool = builtinTools({ bash: { processes: h.processes } })[c.tool] as Tool;
        const ctx = context();
        const { input, plan, auths } = await h.authorize(tool, c.input, ctx);
        const forged = forge(auths, await otherAuthorization());
        await expect(tool.run(input, plan, forged as Authorization[], ctx)).rejects.toMatchObject({
          code: 'AUTHORIZATION_INVALID',
        });
        await unchanged();
      });
    }

    it(`${c.tool}: refuses a consumed one`, async () => {
      const tool = builtinTools({ bash: { processes: h.processes } })[c.tool] as Tool;
      const ctx = context();
      const { input, plan, auths } = await h.authorize(tool, c.input, ctx);
      const first = await tool.run(input, plan, auths, ctx);
      expect(first.isError ?? false).toBe(false);
      // Put everything back, then replay the same (now consumed) Authorizations.
      await writeFile(join(h.ws, 'sentinel.txt'), 'original');
      await rm(join(h.ws, 'spawned.marker'), { force: true });
      subagentRuns = 0;
      await expect(tool.run(input, plan, auths, ctx)).rejects.toMatchObject({
        code: 'AUTHORIZATION_INVALID',
      });
      await unchanged();
    });
  }
});

describe('what runs is bound to what was authorized', () => {
  it('bash: Authorizations for one command line cannot run another', async () => {
    const tool = builtinTools({ bash: { processes: h.processes } }).bash;
    const ctx = context();
    const { plan, auths } = await h.authorize(tool, { command: 'echo harmless' }, ctx);
    const swapped = { command: 'touch spawned.marker && echo harmless' };
    await expect(tool.run(swapped, plan, auths, ctx)).rejects.toThrow(/does not match its plan/);
    await unchanged();
  });

  it('write_file: a plan whose content was swapped after approval writes nothing', async () => {
    const tool = builtinTools({ bash: { processes: h.processes } }).write_file;
    const ctx = context();
    const { input, plan, auths } = await h.authorize(
      tool,
      { path: 'sentinel.txt', content: 'approved' },
      ctx,
    );
    const tampered = { ...plan, state: { ...(plan.state as object), content: Buffer.from('evil') } };
    await expect(tool.run(input, tampered, auths, ctx)).rejects.toThrow(/differs from the approved content/);
    await unchanged();
  });
});
