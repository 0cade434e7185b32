import { createProvider } from '@astrid/llm';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOLS, rig, type TestRig } from './helpers.js';

let r: TestRig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

describe.each(PROTOCOLS)('streaming errors over %s', (protocol) => {
  it('429 with retry-after, then success: the turn completes and the wait was honoured', async () => {
    const delays: number[] = [];
    const t = await rig({
      protocol,
      provider: (_server, config) =>
        createProvider(
          config.model,
          {},
          {
            sleep: async (ms) => {
              delays.push(ms);
            },
          },
        ),
    });
    r = t;
    t.server.enqueue({ text: 'finally', httpFaults: [{ status: 429, retryAfterSeconds: 2 }] });
    const session = await t.runtime.createSession();
    expect(await session.send('hi')).toMatchObject({ status: 'done', text: 'finally' });
    expect(delays).toEqual([2000]);
    expect(t.server.requests.map((q) => q.status)).toEqual([429, 200]);
    expect(t.of('error')).toEqual([]);
  });

  it('a disconnect in the middle of a tool call is one clear error event; no tool runs, nothing is charged', async () => {
    const t = await rig({ protocol, files: { 'a.txt': 'x' } });
    r = t;
    t.server.enqueue({
      toolCalls: [{ name: 'read_file', arguments: { path: 'a.txt', offset: 1, limit: 100 } }],
      chunks: 6,
      streamFault: { kind: 'disconnect', afterEvents: protocol === 'anthropic' ? 6 : 4 },
    });
    const session = await t.runtime.createSession();
    const result = await session.send('read a.txt');
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('connection');
    const [error] = t.of('error');
    expect(error).toMatchObject({ code: 'connection', retryable: true });
    expect(error?.message.length).toBeGreaterThan(10);
    expect(t.of('tool_call_proposed')).toEqual([]);
    expect(t.of('tool_result')).toEqual([]);
    expect(session.budget()).toMatchObject({ spent: 0, reserved: 0 });
    // No half reply in the history: the next turn starts clean.
    expect(session.history.map((m) => m.role)).toEqual(['user']);
    t.server.enqueue({ text: 'recovered' });
    expect(await session.send('try again')).toMatchObject({ status: 'done', text: 'recovered' });
  });
});
