import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Authorization, consumeAuthorization } from '../../src/authorization.js';
import { fixtureTool } from './fixture-tool.js';
import { type Harness, makeHarness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.close();
});

async function authorize(tool: ReturnType<typeof fixtureTool>, content: string) {
  h.answer = () => ({ decision: 'allow_once' });
  const result = await h.interceptor.intercept(tool.action(content), h.ctx());
  if (!result.allowed) throw new Error(`expected an authorization, got ${result.code}: ${result.reason}`);
  return result.authorization;
}

describe('Authorization: a tool runs only with a genuine, unused one for exactly its action', () => {
  it('runs with a genuine Authorization and audits the result linked to the decision', async () => {
    const tool = fixtureTool(h.interceptor, h.ws);
    const auth = await authorize(tool, 'hello');
    expect(await tool.call(auth, 'hello')).toBe('written');
    expect(await readFile(tool.sentinel, 'utf8')).toBe('hello');
    expect(existsSync(tool.marker)).toBe(true);
    const entries = [];
    for await (const e of h.audit.read()) entries.push(e);
    const decision = entries.find((e) => e.kind === 'decision');
    const result = entries.find((e) => e.kind === 'result');
    expect(decision?.decision?.verdict).toBe('allow');
    expect(result?.details).toEqual({ decisionEntry: decision?.id });
    expect(result?.output?.length).toBe(5);
    expect(JSON.stringify(result)).not.toContain('hello');
    expect(decision!.seq).toBeLessThan(result!.seq);
  });

  const forgeries: [string, (real: Authorization) => unknown][] = [
    ['no Authorization', () => undefined],
    ['a plain object', (real) => ({ actionHash: real.actionHash, session: real.session, epoch: 0 })],
    ['a structured clone', (real) => structuredClone(real)],
    ['an object spread', (real) => ({ ...real })],
    ['Object.create of the prototype', () => Object.create(Authorization.prototype)],
    [
      'a directly constructed one',
      (real) => {
        try {
          return new Authorization(
            Symbol('astrid.authorization.issue'),
            real.actionHash,
            real.session,
            0,
            'x',
          );
        } catch {
          return undefined;
        }
      },
    ],
  ];
  for (const [name, forge] of forgeries) {
    it(`refuses ${name}: the sentinel is unchanged and nothing is spawned`, async () => {
      const tool = fixtureTool(h.interceptor, h.ws);
      await writeFile(tool.sentinel, 'original');
      const real = await authorize(tool, 'evil');
      await expect(tool.call(forge(real), 'evil')).rejects.toMatchObject({ code: 'AUTHORIZATION_INVALID' });
      expect(await readFile(tool.sentinel, 'utf8')).toBe('original');
      expect(existsSync(tool.marker)).toBe(false);
    });
  }

  it('refuses one issued for another action', async () => {
    const tool = fixtureTool(h.interceptor, h.ws);
    await writeFile(tool.sentinel, 'original');
    const auth = await authorize(tool, 'short');
    await expect(tool.call(auth, 'a longer body')).rejects.toMatchObject({ code: 'AUTHORIZATION_INVALID' });
    expect(await readFile(tool.sentinel, 'utf8')).toBe('original');
    expect(existsSync(tool.marker)).toBe(false);
  });

  it('refuses a consumed one', async () => {
    const tool = fixtureTool(h.interceptor, h.ws);
    const auth = await authorize(tool, 'once');
    await tool.call(auth, 'once');
    await writeFile(tool.sentinel, 'original');
    await expect(tool.call(auth, 'once')).rejects.toMatchObject({ code: 'AUTHORIZATION_INVALID' });
    expect(await readFile(tool.sentinel, 'utf8')).toBe('original');
  });

  it('refuses one issued before a lockdown (kill-switch epoch)', async () => {
    const tool = fixtureTool(h.interceptor, h.ws);
    const auth = await authorize(tool, 'x');
    h.epoch.value++;
    await expect(tool.call(auth, 'x')).rejects.toMatchObject({ code: 'AUTHORIZATION_INVALID' });
    expect(existsSync(tool.sentinel)).toBe(false);
  });

  it('lets exactly one of 10 concurrent uses of one Allow Once execute', async () => {
    const tool = fixtureTool(h.interceptor, h.ws);
    const auth = await authorize(tool, 'race');
    let runs = 0;
    const action = tool.action('race');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        h.interceptor.execute(auth, action, async () => {
          runs++;
          return { value: runs };
        }),
      ),
    );
    expect(runs).toBe(1);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('consumeAuthorization refuses anything but an issued Authorization', () => {
    const epochs = { current: () => 0 };
    const action = { kind: 'file_read' as const, path: '/ws/a' };
    expect(() => consumeAuthorization({}, action, epochs)).toThrow(/no valid Authorization/);
    expect(() => consumeAuthorization(null, action, epochs)).toThrow(/no valid Authorization/);
  });
});

describe('release', () => {
  it('consumes unused Authorizations, refunds their budget and audits that nothing ran', async () => {
    await h.close();
    h = await makeHarness({
      limits: { sessionMax: 100 },
      settings: { actionCostsMicros: { file_write: 10 } },
    });
    const tool = fixtureTool(h.interceptor, h.ws);
    const auth = await authorize(tool, 'unused');
    expect(h.budget.usage(h.ctx().session)).toMatchObject({ reserved: 10 });
    await h.interceptor.release([auth], [tool.action('unused')], 'a later action was denied');
    expect(h.budget.usage(h.ctx().session)).toMatchObject({ reserved: 0, spent: 0 });
    await expect(tool.call(auth, 'unused')).rejects.toMatchObject({ code: 'AUTHORIZATION_INVALID' });
    expect(existsSync(tool.sentinel)).toBe(false);
    const entries = [];
    for await (const e of h.audit.read()) entries.push(e);
    const result = entries.find((e) => e.kind === 'result');
    expect(result?.outcome?.status).toBe('failure');
    expect(result?.outcome?.error).toContain('not run');
  });
});
