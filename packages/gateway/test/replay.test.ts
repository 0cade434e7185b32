import type { ApprovalRequest } from '@astrid/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, type Rig, rig, types, until } from './helpers.js';

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
});

describe('replay with since', () => {
  it('a client that reconnects gets exactly the events it missed', async () => {
    r.server.enqueue(
      { text: 'first reply' },
      { text: 'second reply, while nobody listened' },
      { text: 'third' },
    );
    const first = await r.client();
    const session = await first.call('session.create', {});
    const seen = collect(first);
    await first.subscribeSession(session.id);
    await first.call('session.send', { sessionId: session.id, text: 'one' });
    await until(() => types(seen).includes('turn_done'));
    const lastSeen = seen[seen.length - 1]?.seq as number;
    await first.close();

    // Events happen while no client is attached.
    const driver = await r.client();
    const background = collect(driver);
    await driver.subscribeSession(session.id);
    await driver.call('session.send', { sessionId: session.id, text: 'two' });
    await until(() => types(background).includes('turn_done'));
    const missed = background.map((n) => n.seq);

    const again = await r.client();
    const replayed = collect(again);
    const result = await again.subscribeSession(session.id, lastSeen);
    expect(result.replayed).toBe(missed.length);
    expect(replayed.map((n) => n.seq)).toEqual(missed);
    expect(replayed.map((n) => n.seq)[0]).toBe(lastSeen + 1);
    expect(replayed.map((n) => n.event)).toEqual(background.map((n) => n.event));

    // Live events continue after the replay, without a gap or a repeat.
    await driver.call('session.send', { sessionId: session.id, text: 'three' });
    await until(() => replayed.filter((n) => n.event.type === 'turn_done').length === 2);
    const seqs = replayed.map((n) => n.seq);
    expect(seqs).toEqual(seqs.map((_, i) => lastSeen + 1 + i));
  });

  it('seqs persist across a daemon restart; the epoch changes; a pending approval survives', async () => {
    r.server.enqueue(
      { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'a\n' } }] },
      { text: 'done after the restart' },
    );
    const client = await r.client();
    const epoch1 = client.hello.epoch;
    const session = await client.call('session.create', {});
    const seen = collect(client);
    await client.subscribeSession(session.id);
    await client.call('session.send', { sessionId: session.id, text: 'write a.txt' });
    await until(() => types(seen).includes('approval_requested'));
    const requested = seen.find((n) => n.event.type === 'approval_requested')?.event;
    const request = (requested as { request: ApprovalRequest }).request;
    const before = seen[seen.length - 1]?.seq as number;
    await client.close();

    await r.restart();
    const after = await r.client();
    expect(after.hello.epoch).not.toBe(epoch1);
    expect((await after.call('approval.get', { id: request.id })).state).toBe('pending');
    const notes = collect(after);
    await after.subscribeSession(session.id, before);
    await after.call('approval.respond', { id: request.id, decision: 'allow_once' });
    await until(() => types(notes).includes('turn_done'));
    // The turn resumed: the approved write ran once, and the stream continued from `before`.
    expect(notes[0]?.seq).toBe(before + 1);
    expect(notes.every((n) => n.epoch !== epoch1)).toBe(true);
    const done = notes.find((n) => n.event.type === 'turn_done')?.event as { text: string };
    expect(done.text).toBe('done after the restart');
    // The whole history is still replayable from 0, across both epochs.
    const full = await r.client();
    const all = collect(full);
    await full.subscribeSession(session.id, 0);
    expect(all.map((n) => n.seq)).toEqual(all.map((_, i) => i + 1));
    expect(new Set(all.map((n) => n.epoch)).size).toBe(2);
  });

  it('session.cancel answers once the turn has stopped: a restart right after resumes nothing', async () => {
    r.server.enqueue(
      { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'a\n' } }] },
      { text: 'a resumed turn would get this' },
    );
    const client = await r.client();
    const session = await client.call('session.create', {});
    const seen = collect(client);
    await client.subscribeSession(session.id);
    await client.call('session.send', { sessionId: session.id, text: 'write a.txt' });
    await until(() => types(seen).includes('approval_requested'));
    expect(await client.call('session.cancel', { sessionId: session.id })).toEqual({ cancelled: true });
    // Already stopped and saved when the answer came: no running or interrupted turn.
    expect(types(seen)).toContain('turn_done');
    expect(await client.call('session.get', { sessionId: session.id })).toMatchObject({
      running: false,
      interrupted: false,
    });
    const requests = r.server.requests.length;
    await r.restart();
    const after = await r.client();
    expect(await after.call('session.get', { sessionId: session.id })).toMatchObject({
      running: false,
      interrupted: false,
    });
    // The next turn is the user's own, answered by the reply a resumed turn would have taken.
    const notes = collect(after);
    await after.subscribeSession(session.id);
    await after.call('session.send', { sessionId: session.id, text: 'next' });
    await until(() => types(notes).includes('turn_done'));
    expect(r.server.requests.length).toBe(requests + 1);
    expect(JSON.stringify(r.server.requests.at(-1)?.body)).toContain('next');
  });

  it('the client reconnects by itself after a restart and replays what it missed', async () => {
    r.server.enqueue({ text: 'before' }, { text: 'after' });
    const client = await r.client({ reconnect: { delayMs: 50, attempts: 100 } });
    const session = await client.call('session.create', {});
    const seen = collect(client);
    await client.subscribeSession(session.id);
    await client.call('session.send', { sessionId: session.id, text: 'one' });
    await until(() => types(seen).includes('turn_done'));
    const states: string[] = [];
    client.onState((s) => states.push(s));
    await r.restart();
    await until(() => states.includes('open'));
    // A turn driven by another client while this one was reconnecting or after.
    const other = await r.client();
    await other.call('session.send', { sessionId: session.id, text: 'two' });
    await until(() => types(seen).filter((t) => t === 'turn_done').length === 2);
    expect(states).toEqual(['reconnecting', 'open']);
    const seqs = seen.map((n) => n.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
  });
});
