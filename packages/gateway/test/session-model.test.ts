import type { AstridConfig } from '@astrid/config';
import { type LlmTestServer, start } from '@astrid/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, type Rig, rig, types, until } from './helpers.js';

let r: Rig | undefined;
let other: LlmTestServer | undefined;
afterEach(async () => {
  await r?.close();
  await other?.close();
  r = undefined;
  other = undefined;
});

// The defaults set session and per-action limits, and no TOML layer can remove them; a
// model with no known price is only allowed without any (injected here, as a runtime embedder could).
function noBudgetLimits(config: AstridConfig): AstridConfig {
  const none = undefined as unknown as number;
  return {
    ...config,
    budget: { ...config.budget, session_max_micro_usd: none, per_action_max_micro_usd: none },
  };
}

function modelsOf(server: LlmTestServer): unknown[] {
  return server.requests.map((q) => (q.body as { model?: unknown }).model);
}

describe('per-session provider and model', () => {
  it('a session keeps the model it asked for: on the wire, in session.get/list, across a restart', async () => {
    const rr = await rig({ editConfig: noBudgetLimits });
    r = rr;
    const client = await rr.client();
    const plain = await client.call('session.create', {});
    const asked = await client.call('session.create', { model: 'other-model', label: 'other' });
    expect(plain).toMatchObject({ provider: 'anthropic', model: 'test-model' });
    expect(asked).toMatchObject({ provider: 'anthropic', model: 'other-model' });
    expect((await client.call('session.list', {})).sessions.find((s) => s.id === asked.id)?.model).toBe(
      'other-model',
    );

    rr.server.enqueue({ text: 'one' }, { text: 'two' });
    const seen = collect(client);
    await client.subscribeSession(asked.id);
    await client.subscribeSession(plain.id);
    await client.call('session.send', { sessionId: asked.id, text: 'hi' });
    await until(() => types(seen).includes('turn_done'));
    await client.call('session.send', { sessionId: plain.id, text: 'hi' });
    await until(() => types(seen).filter((t) => t === 'turn_done').length === 2);
    expect(modelsOf(rr.server)).toEqual(['other-model', 'test-model']);

    // No known price and no budget limit: allowed, counted at zero, the warning audited.
    const created = await client.call('audit.list', { sessionId: asked.id, kind: 'session_created' });
    expect(created.entries[0]?.details).toMatchObject({
      provider: 'anthropic',
      model: 'other-model',
      pricing: 'unknown',
    });
    expect((await client.call('budget.get', { sessionId: asked.id })).spent).toBe(0);

    await rr.restart();
    const again = await rr.client();
    expect(await again.call('session.get', { sessionId: asked.id })).toMatchObject({ model: 'other-model' });
    rr.server.enqueue({ text: 'three' });
    const seen2 = collect(again);
    await again.subscribeSession(asked.id);
    await again.call('session.send', { sessionId: asked.id, text: 'again' });
    await until(() => types(seen2).includes('turn_done'));
    expect(modelsOf(rr.server).at(-1)).toBe('other-model');
  });

  it('another hosted provider gets the daemon env key for it, never the configured key', async () => {
    other = await start({ apiKey: 'openai-env-key' });
    const server = other;
    const rr = await rig({
      editConfig: noBudgetLimits,
      gateway: {
        env: {
          PATH: process.env.PATH,
          OPENAI_API_KEY: 'openai-env-key',
          OPENAI_BASE_URL: `${server.url}/v1`,
        },
      },
    });
    r = rr;
    const client = await rr.client();
    const s = await client.call('session.create', { provider: 'openai', model: 'gpt-test' });
    expect(s).toMatchObject({ provider: 'openai', model: 'gpt-test' });
    server.enqueue({ text: 'from openai' });
    const seen = collect(client);
    await client.subscribeSession(s.id);
    await client.call('session.send', { sessionId: s.id, text: 'hi' });
    await until(() => types(seen).includes('turn_done'));
    // Served (so the key was the env one: the configured key would have been refused with 401).
    expect(server.requests.map((q) => [q.path, q.status, (q.body as { model: string }).model])).toEqual([
      ['/v1/chat/completions', 200, 'gpt-test'],
    ]);
    expect(rr.server.requests).toEqual([]);
  });

  it('refuses a provider a client could point anywhere, a missing key, and an unpriced model under a budget', async () => {
    const rr = await rig({ editConfig: noBudgetLimits });
    r = rr;
    const client = await rr.client();
    const message = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as Error).message;
    expect(
      await message(client.call('session.create', { provider: 'openai-compatible', model: 'x' })),
    ).toMatch(/only anthropic, openai, zai can be chosen per session/);
    expect(await message(client.call('session.create', { provider: 'openai', model: 'x' }))).toMatch(
      /OPENAI_API_KEY/,
    );
    await rr.close();

    // The default config has budget limits: an unpriced model is refused (fail closed).
    const budgeted = await rig();
    r = budgeted;
    const c2 = await budgeted.client();
    expect(await message(c2.call('session.create', { model: 'unpriced' }))).toMatch(
      /no known price and a budget limit is configured/,
    );
    // The configured model keeps its [model.pricing], so it is fine under the budget.
    expect(await c2.call('session.create', { model: 'test-model' })).toMatchObject({ model: 'test-model' });
    expect((await c2.call('session.list', {})).sessions).toHaveLength(1);
  });

  it('a model priced in [model.prices] runs under the budget limits, and its usage is counted at those prices', async () => {
    const rate = 50_000_000; // $50 per million tokens of every kind: any usage shows in spent
    const priced = {
      input_micro_usd_per_mtok: rate,
      output_micro_usd_per_mtok: rate,
      cache_read_micro_usd_per_mtok: rate,
      cache_write_micro_usd_per_mtok: rate,
    };
    const rr = await rig({
      editConfig: (c) => ({ ...c, model: { ...c.model, prices: { 'priced-model': priced } } }),
    });
    r = rr;
    const client = await rr.client();
    expect(
      await client.call('session.create', { model: 'still-unpriced' }).catch((e: Error) => e.message),
    ).toMatch(/no known price/);
    const session = await client.call('session.create', { model: 'priced-model' });
    expect(session).toMatchObject({ model: 'priced-model' });
    rr.server.enqueue({ text: 'counted' });
    const seen = collect(client);
    await client.subscribeSession(session.id);
    await client.call('session.send', { sessionId: session.id, text: 'hi' });
    await until(() => types(seen).includes('turn_done'));
    expect(modelsOf(rr.server)).toEqual(['priced-model']);
    expect((await client.call('budget.get', { sessionId: session.id })).spent).toBeGreaterThan(0);
  });
});
