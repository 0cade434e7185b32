import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type Rig, rig, types, until } from './helpers.js';

let r: Rig;
beforeAll(async () => {
  r = await rig();
});
afterAll(async () => {
  await r.close();
});

describe('sessions, audit, budget, config', () => {
  it('session.get/list/delete/cleanup and budget.get', async () => {
    r.server.enqueue({ text: 'hello' });
    const client = await r.client();
    const created = await client.call('session.create', { label: 'to delete' });
    expect(created).toMatchObject({ label: 'to delete', status: 'active', running: false, lastSeq: 0 });
    const notes = collect(client);
    await client.subscribeSession(created.id);
    await client.call('session.send', { sessionId: created.id, text: 'hi' });
    await until(() => types(notes).includes('turn_done'));
    const got = await client.call('session.get', { sessionId: created.id });
    expect(got.messages).toBe(2);
    expect(got.lastSeq).toBe(notes[notes.length - 1]?.seq);
    expect(got.budget.sessionId).toBe(created.id);
    expect((await client.call('budget.get', { sessionId: created.id })).spent).toBeGreaterThanOrEqual(0);
    expect((await client.call('session.list', {})).sessions.map((s) => s.id)).toContain(created.id);

    // A workspace the boundary refuses (the filesystem root) is refused by name.
    const other = await client.call('session.create', { workspace: '/' }).catch((e: unknown) => e);
    expect((other as Error).message).toMatch(/filesystem root/);
    expect((other as { code?: string }).code).toBe('WORKSPACE_INVALID');
    expect(created).toMatchObject({ provider: 'anthropic', model: 'test-model' });
    // A mode stricter than the config's is a per-session choice; a looser one is refused.
    expect((await client.call('session.create', { mode: 'safe' })).status).toBe('active');
    const loose = await client.call('session.create', { mode: 'autonomous' }).catch((e: unknown) => e);
    expect((loose as Error).message).toMatch(/looser than the configured/);

    await client.call('session.delete', { sessionId: created.id });
    const ended = await client.call('session.get', { sessionId: created.id });
    expect(ended.status).toBe('ended');
    // Its audit entries are kept, including the end.
    const entries = await client.call('audit.list', { sessionId: created.id });
    expect(entries.entries.map((e) => e.kind)).toContain('session_ended');
    // Its event stream is gone; cleanup has nothing more to drop.
    const late = await r.client();
    const replay = collect(late);
    expect((await late.subscribeSession(created.id, 0)).replayed).toBe(0);
    expect(replay).toEqual([]);
    expect((await client.call('session.cleanup', {})).removedEventLogs).toBe(0);
    expect((await client.call('session.list', { status: 'ended' })).sessions.map((s) => s.id)).toEqual([
      created.id,
    ]);
  });

  it('audit.list/get/stats/export and config.get/validate/paths', async () => {
    const client = await r.client();
    const stats = await client.call('audit.stats');
    expect(stats.entries).toBeGreaterThan(0);
    const first = await client.call('audit.get', { seq: 0 });
    expect(first.seq).toBe(0);
    const page = await client.call('audit.export', { limit: 2 });
    expect(page.lines).toHaveLength(2);
    expect(page.next).toBe(2);
    const rest = await client.call('audit.export', { offset: 2, limit: 10_000 });
    expect(rest.next).toBeUndefined();
    const bad = await client.call('audit.list', { kind: 'nope' }).catch((e: unknown) => e);
    expect((bad as { code?: string }).code).toBe('INVALID_ARGUMENT');
    const config = (await client.call('config.get')).config as { model: { api_key?: string } };
    expect(config.model.api_key).toBe('[redacted]');
    expect((await client.call('config.validate')).valid).toBe(true);
    const paths = await client.call('config.paths');
    expect(paths.files.map((f) => f.layer)).toEqual(['admin', 'user', 'workspace']);
  });
});
