import { RPC_METHODS, type RpcMethod } from '@astrid/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type Rig, rawSocket, rig, types, until } from './helpers.js';

let r: Rig;
beforeAll(async () => {
  r = await rig();
});
afterAll(async () => {
  await r.close();
});

// Methods a fuzzer may call: all but the ones whose whole purpose is to stop everyone
// (a random lockdown is the daemon working as designed, not a failure).
const FUZZ_METHODS = RPC_METHODS.filter(
  (m: RpcMethod) => m !== 'daemon.lockdown' && m !== 'daemon.unlock' && m !== 'daemon.shutdown',
);

const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.constant(null),
  fc.constant(0),
  fc.double(),
);
const request = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.string({ maxLength: 4 })),
    id,
    method: fc.oneof(fc.constantFrom(...FUZZ_METHODS), fc.string({ maxLength: 20 })),
    params: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(
        fc.constantFrom('sessionId', 'id', 'since', 'nonce', 'text', 'seq', 'limit', 'decision'),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    ),
  },
  { requiredKeys: [] },
);
const frame = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 5, arbitrary: request.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.array(request, { maxLength: 5 }).map((v) => JSON.stringify(v)) },
);

describe('fuzz', () => {
  it('10,000 random frames from one client while another completes a turn: the daemon stays up, the other sees no error', async () => {
    r.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'README.md' } }], latencyMs: 2 },
      { text: 'read it', latencyMs: 2 },
    );
    const good = await r.client();
    const session = await good.call('session.create', { label: 'steady' });
    const notes = collect(good);
    await good.subscribeSession(session.id);
    const raw = await rawSocket(r);
    const frames = fc.sample(frame, { numRuns: 10_000, seed: 42 });
    const turn = good.call('session.send', { sessionId: session.id, text: 'read the readme' });
    for (let i = 0; i < frames.length; i++) {
      raw.ws.send(frames[i] as string);
      if (i % 500 === 0) await new Promise((res) => setImmediate(res));
    }
    await turn;
    await until(() => types(notes).includes('turn_done'), 20_000);
    const done = notes.find((n) => n.event.type === 'turn_done')?.event as { status: string; text: string };
    expect(done).toMatchObject({ status: 'done', text: 'read it' });
    expect(types(notes)).not.toContain('error');
    // Every reply the fuzzer got is well-formed JSON-RPC.
    await new Promise((res) => setTimeout(res, 200));
    const replies = raw.messages.flatMap((m) => (Array.isArray(m) ? m : [m])) as Record<string, unknown>[];
    expect(replies.length).toBeGreaterThan(1000);
    for (const reply of replies) {
      if (reply.method !== undefined) continue; // a notification
      expect(reply.jsonrpc).toBe('2.0');
      expect('result' in reply || typeof (reply.error as { code?: unknown })?.code === 'number').toBe(true);
    }
    const fresh = await r.client();
    expect((await fresh.call('daemon.status')).lockdown.active).toBe(false);
    raw.ws.close();
  });
});
