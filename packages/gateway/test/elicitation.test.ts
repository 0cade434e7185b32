import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AstridClient,
  attachFrontend,
  type ElicitationAnswer,
  type ElicitationResolvedEvent,
  type Frontend,
} from '@astrid/client';
import {
  type ElicitationRequest,
  type ElicitationResult,
  isAstridError,
  type RpcNotifications,
  sessionId,
} from '@astrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import { askKeyTool } from './ask-tool.js';
import { collect, type Rig, type RigOptions, rig, types, until } from './helpers.js';

/** What the fixture tool's elicitations resolved to, in order. */
const results: ElicitationResult[] = [];
const askKey = askKeyTool(results);

let r: Rig | undefined;
afterEach(async () => {
  results.length = 0;
  await r?.close();
  r = undefined;
});

async function start(options: RigOptions = {}): Promise<Rig> {
  r = await rig({ ...options, gateway: { runtime: { tools: () => [askKey] } } });
  return r;
}

function requestIn(notes: RpcNotifications['session.event'][]): ElicitationRequest | undefined {
  const found = notes.find((n) => n.event.type === 'elicitation_requested')?.event;
  return found?.type === 'elicitation_requested' ? found.request : undefined;
}

function resolvedIn(notes: RpcNotifications['session.event'][]): ElicitationResolvedEvent | undefined {
  const found = notes.find((n) => n.event.type === 'elicitation_resolved')?.event;
  return found?.type === 'elicitation_resolved' ? found : undefined;
}

async function askingTurn(rig: Rig, client: AstridClient): Promise<{ id: string }> {
  rig.server.enqueue(
    { text: 'asking', toolCalls: [{ name: 'ask_key', arguments: { why: 'deploy needs a key' } }] },
    { text: 'done' },
  );
  const session = await client.call('session.create', { label: 'elicit' });
  await client.call('session.send', { sessionId: session.id, text: 'deploy' });
  return session;
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('elicitations through the daemon', () => {
  it('two clients: a wrong answer is refused and stays pending, the first valid answer wins, both see it resolved', async () => {
    const rr = await start();
    const alice = await rr.client({ clientName: 'cli' });
    const bob = await rr.client({ clientName: 'telegram' });
    rr.server.enqueue(
      { text: 'asking', toolCalls: [{ name: 'ask_key', arguments: { why: 'deploy needs a key' } }] },
      { text: 'done' },
    );
    const session = await alice.call('session.create', { label: 'elicit' });
    const seenA = collect(alice);
    const seenB = collect(bob);
    await alice.subscribeSession(session.id);
    await bob.subscribeSession(session.id);
    await alice.call('session.send', { sessionId: session.id, text: 'deploy' });
    await until(() => requestIn(seenA) !== undefined && requestIn(seenB) !== undefined);
    const request = requestIn(seenA) as ElicitationRequest;
    expect(request).toMatchObject({
      source: 'tool://ask_key',
      message: 'deploy needs a key',
      session: session.id,
    });
    expect(request.fields[0]).toMatchObject({ name: 'apiKey', secret: true, required: true });
    expect((await bob.call('elicitation.list', { sessionId: session.id })).elicitations).toEqual([request]);

    const wrong = await errorOf(
      bob.call('elicitation.respond', { id: request.id, action: 'accept', content: { apiKey: 42 } }),
    );
    expect((wrong as { astridCode?: string }).astridCode).toBe('INVALID_PARAMS');
    expect((wrong as Error).message).toContain('"apiKey" expected a string');
    const missing = await errorOf(
      bob.call('elicitation.respond', { id: request.id, action: 'accept', content: { region: 'eu' } }),
    );
    expect((missing as Error).message).toContain('"apiKey" is required');
    expect((await alice.call('elicitation.list', {})).elicitations.map((e) => e.id)).toEqual([request.id]);

    const answer = await alice.call('elicitation.respond', {
      id: request.id,
      action: 'accept',
      content: { apiKey: 'sk-live-1234', region: 'eu' },
      userId: 'alice',
    });
    expect(answer).toEqual({ id: request.id, outcome: 'accept' });
    const late = await errorOf(bob.call('elicitation.respond', { id: request.id, action: 'decline' }));
    expect(isAstridError(late, 'ELICITATION_ALREADY_RESOLVED')).toBe(true);
    const unknown = await errorOf(bob.call('elicitation.respond', { id: 'eli_unknown', action: 'cancel' }));
    expect(isAstridError(unknown, 'ELICITATION_NOT_FOUND')).toBe(true);

    for (const seen of [seenA, seenB]) {
      await until(() => types(seen).includes('turn_done'));
      expect(resolvedIn(seen)).toMatchObject({
        id: request.id,
        outcome: 'accept',
        decidedBy: `alice@${alice.hello.connection}`,
      });
    }
    expect(results).toEqual([{ outcome: 'accept', content: { apiKey: 'sk-live-1234', region: 'eu' } }]);
    const toolResult = seenA.find((n) => n.event.type === 'tool_result')?.event as { summary: string };
    expect(toolResult.summary).toContain('outcome=accept length=12');
    // Events carry seqs like every other: a client subscribing late replays them in order.
    const carol = await rr.client();
    const seenC = collect(carol);
    await carol.subscribeSession(session.id, 0);
    await until(() => types(seenC).includes('turn_done'));
    expect(seenC.map((n) => n.seq)).toEqual(seenA.map((n) => n.seq));
    expect(types(seenC)).toEqual(expect.arrayContaining(['elicitation_requested', 'elicitation_resolved']));

    const audit = await alice.call('audit.list', { sessionId: session.id, kind: 'elicitation' });
    expect(audit.entries.map((e) => e.details)).toEqual([
      {
        elicitationId: request.id,
        source: 'tool://ask_key',
        fields: ['apiKey', 'region'],
        maskedFields: ['apiKey'],
        outcome: 'accept',
        decidedBy: `alice@${alice.hello.connection}`,
      },
    ]);
  });

  it('expires when nobody answers: the asker hears expired, frontends see it resolved', async () => {
    const rr = await start();
    const client = await rr.client();
    const session = await client.call('session.create', {});
    const seen = collect(client);
    await client.subscribeSession(session.id);
    const outcome = await rr.gateway.runtime.elicit(
      sessionId(session.id),
      { source: 'mcp://slow', message: 'anyone?', fields: [] },
      { timeoutMs: 30 },
    );
    expect(outcome).toEqual({ outcome: 'expired' });
    await until(() => resolvedIn(seen) !== undefined);
    expect(resolvedIn(seen)).toMatchObject({ outcome: 'expired' });
    expect(resolvedIn(seen)?.decidedBy).toBeUndefined();
    expect((await client.call('elicitation.list', {})).elicitations).toEqual([]);
  });

  it('session.cancel withdraws the question of a running tool and of a session-level asker', async () => {
    const rr = await start();
    const client = await rr.client();
    const seen = collect(client);
    const session = await askingTurn(rr, client);
    await client.subscribeSession(session.id, 0);
    await until(() => requestIn(seen) !== undefined);
    const outside = rr.gateway.runtime.elicit(sessionId(session.id), {
      source: 'mcp://github',
      message: 'token?',
      fields: [{ name: 'token', type: 'string' }],
    });
    expect((await client.call('elicitation.list', { sessionId: session.id })).elicitations).toHaveLength(2);
    expect(await client.call('session.cancel', { sessionId: session.id })).toEqual({ cancelled: true });
    expect(await outside).toEqual({ outcome: 'cancel' });
    await until(() => types(seen).includes('turn_done'));
    expect(results).toEqual([{ outcome: 'cancel' }]);
    expect((await client.call('elicitation.list', {})).elicitations).toEqual([]);
  });

  it('the kill switch cancels pending questions, refuses accepts, and cancels new ones until unlock', async () => {
    const rr = await start();
    const client = await rr.client();
    const session = await client.call('session.create', {});
    const id = sessionId(session.id);
    const question = { source: 'mcp://github', message: 'token?', fields: [] };
    const pending = rr.gateway.runtime.elicit(id, question);
    const [request] = (await client.call('elicitation.list', {})).elicitations;
    await client.call('daemon.lockdown', { reason: 'test' });
    expect(await pending).toEqual({ outcome: 'cancel' });
    const refused = await errorOf(
      client.call('elicitation.respond', { id: request?.id as string, action: 'accept', content: {} }),
    );
    expect((refused as { astridCode?: string }).astridCode).toBe('LOCKED_DOWN');
    expect(await rr.gateway.runtime.elicit(id, question)).toEqual({ outcome: 'cancel' });
    expect((await client.call('elicitation.list', {})).elicitations).toEqual([]);
    await client.call('daemon.unlock', {});
    const after = rr.gateway.runtime.elicit(id, question);
    const [again] = (await client.call('elicitation.list', {})).elicitations;
    await client.call('elicitation.respond', { id: again?.id as string, action: 'decline' });
    expect(await after).toEqual({ outcome: 'decline' });
  });

  it('attachFrontend asks a frontend attached late, again after an invalid answer; a secret answer is never persisted or logged', async () => {
    const rr = await start({ logToFile: true });
    const secret = `sk-${'9f3a'.repeat(6)}-e2e-secret`;
    const client = await rr.client({ clientName: 'cli' });
    const session = await askingTurn(rr, client);
    await until(() => rr.gateway.runtime.elicitations.pending().length === 1);
    // Attached after the question was asked: asked once, from elicitation.list / the replay.
    const asked: ElicitationRequest[] = [];
    const resolved: ElicitationResolvedEvent[] = [];
    const frontend: Frontend = {
      text: () => {},
      approval: async () => undefined,
      elicitation: async (request): Promise<ElicitationAnswer> => {
        asked.push(request);
        // First a wrong answer (re-asked after INVALID_PARAMS), then the right one.
        return asked.length === 1
          ? { action: 'accept', content: { region: 'mars' } }
          : { action: 'accept', content: { apiKey: secret } };
      },
      elicitationResolved: (e) => resolved.push(e),
    };
    const errors: unknown[] = [];
    const attachment = await attachFrontend(client, session.id, frontend, {
      since: 0,
      userId: 'alice',
      onError: (e) => errors.push(e),
    });
    await until(() => resolved.length === 1);
    expect(asked.map((a) => a.id)).toEqual([asked[0]?.id, asked[0]?.id]);
    expect((errors[0] as { astridCode?: string }).astridCode).toBe('INVALID_PARAMS');
    expect(String((errors[0] as Error).message)).not.toContain(secret);
    expect(resolved[0]).toMatchObject({ outcome: 'accept', decidedBy: `alice@${client.hello.connection}` });
    await until(async () => (await client.call('session.get', { sessionId: session.id })).running === false);
    expect(results).toEqual([{ outcome: 'accept', content: { apiKey: secret } }]);
    await attachment.detach();

    const exported = (await client.call('audit.export', {})).lines.join('\n');
    expect(exported).toContain('"kind":"elicitation"');
    expect(exported).not.toContain(secret);
    // Everything the daemon wrote: the database (audit chain, event streams, session
    // records), the logs. Closed first, so every write is on disk.
    await rr.gateway.close();
    const files = await readdir(rr.dirs.data, { recursive: true, withFileTypes: true });
    let scanned = 0;
    for (const f of files) {
      if (!f.isFile()) continue;
      const bytes = await readFile(join(f.parentPath, f.name));
      expect(bytes.includes(Buffer.from(secret)), join(f.parentPath, f.name)).toBe(false);
      scanned++;
    }
    expect(scanned).toBeGreaterThan(5);
    const log = await readFile(join(rr.dirs.data, 'logs', 'astridd.log'), 'utf8');
    expect(log.length).toBeGreaterThan(0);
  });

  it('a frontend without elicitation support is never asked; a prompt answered elsewhere is aborted', async () => {
    const rr = await start();
    const alice = await rr.client();
    const bob = await rr.client();
    const session = await alice.call('session.create', {});
    let aborted = false;
    const frontend: Frontend = {
      text: () => {},
      approval: async () => undefined,
      elicitation: (_request, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(undefined);
          });
        }),
    };
    await attachFrontend(alice, session.id, frontend);
    await attachFrontend(bob, session.id, { text: () => {}, approval: async () => undefined });
    const pending = rr.gateway.runtime.elicit(sessionId(session.id), {
      source: 'capsule://weather',
      message: 'city?',
      fields: [{ name: 'city', type: 'string' }],
    });
    const [request] = (await bob.call('elicitation.list', {})).elicitations;
    await bob.call('elicitation.respond', {
      id: request?.id as string,
      action: 'accept',
      content: { city: 'Oslo' },
    });
    expect(await pending).toEqual({ outcome: 'accept', content: { city: 'Oslo' } });
    await until(() => aborted);
  });
});
