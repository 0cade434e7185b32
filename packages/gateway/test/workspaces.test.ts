import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AstridClient } from '@astrid/client';
import type { AstridConfig } from '@astrid/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, type Rig, rig, types, until } from './helpers.js';

// One daemon, several workspaces: each session works in the workspace it was created for,
// with that workspace's boundary and its own .astrid/config.toml (which can only tighten).
let r: Rig;
let other: string;
beforeEach(async () => {
  r = await rig();
  other = join(r.dirs.root, 'other-project');
  await mkdir(other);
  await writeFile(join(other, 'notes.txt'), 'notes of the other project\n');
});
afterEach(async () => {
  await r.close();
});

const subscribed = new WeakMap<AstridClient, Set<string>>();

/** Sends `text` and resolves with the session's event types once the turn ended or asked. */
async function turn(client: AstridClient, sessionId: string, text: string): Promise<string[]> {
  const seen = collect(client); // from now on: only this turn's events
  const mineSubscribed = subscribed.get(client) ?? new Set<string>();
  subscribed.set(client, mineSubscribed);
  if (!mineSubscribed.has(sessionId)) {
    mineSubscribed.add(sessionId);
    await client.subscribeSession(sessionId);
  }
  await client.call('session.send', { sessionId, text });
  const mine = () => types(seen.filter((n) => n.sessionId === sessionId));
  await until(() => mine().includes('turn_done') || mine().includes('approval_requested')).catch((e) => {
    throw new Error(`${(e as Error).message}: ${JSON.stringify(seen.map((n) => n.event))}`);
  });
  return mine();
}

describe('sessions in several workspaces on one daemon', () => {
  it('each session has its own workspace: reported, its boundary, and kept across a restart', async () => {
    const client = await r.client();
    const here = await client.call('session.create', { label: 'default' });
    const there = await client.call('session.create', { label: 'other', workspace: other });
    expect(here.workspace).toBe(r.dirs.ws);
    expect(there.workspace).toBe(other);
    expect((await client.call('session.get', { sessionId: there.id })).workspace).toBe(other);
    expect((await client.call('daemon.status')).workspaces).toEqual([r.dirs.ws, other]);

    // A relative read in the other session resolves in its workspace and runs unasked (guided).
    r.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
      { text: 'read it' },
    );
    expect(await turn(client, there.id, 'read the notes')).toContain('turn_done');
    expect(JSON.stringify(r.server.requests.at(-1)?.body)).toContain('notes of the other project');

    // The same file is outside the default session's workspace: it asks (escape_policy ask).
    r.server.enqueue({ toolCalls: [{ name: 'read_file', arguments: { path: join(other, 'notes.txt') } }] });
    expect(await turn(client, here.id, 'read the other notes')).toContain('approval_requested');
    const [asked] = (await client.call('approval.list', { state: 'pending', sessionId: here.id })).approvals;
    expect(asked?.action).toMatchObject({ kind: 'file_read', path: join(other, 'notes.txt') });
    await client.call('session.cancel', { sessionId: here.id });

    // After a restart the session resumes in its own workspace.
    await r.restart();
    const again = await r.client();
    expect((await again.call('session.get', { sessionId: there.id })).workspace).toBe(other);
    r.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
      { text: 'again' },
    );
    expect(await turn(again, there.id, 'read them again')).toContain('turn_done');
    expect(JSON.stringify(r.server.requests.at(-1)?.body)).toContain('notes of the other project');
  });

  it("a workspace's own config tightens only its sessions: safe mode there asks for a read", async () => {
    await mkdir(join(other, '.astrid'));
    await writeFile(join(other, '.astrid', 'config.toml'), '[workspace]\nmode = "safe"\n');
    await writeFile(join(r.dirs.ws, 'notes.txt'), 'default notes\n');
    const client = await r.client();
    const strict = await client.call('session.create', { workspace: other });
    const relaxed = await client.call('session.create', {});

    r.server.enqueue({ toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] });
    expect(await turn(client, strict.id, 'read')).toContain('approval_requested');
    await client.call('session.cancel', { sessionId: strict.id });

    r.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
      { text: 'fine' },
    );
    expect(await turn(client, relaxed.id, 'read')).toContain('turn_done');
    expect(JSON.stringify(r.server.requests.at(-1)?.body)).toContain('default notes');
  });

  it('refuses a workspace that does not exist, the filesystem root, or one whose config is broken; the daemon serves on', async () => {
    const client = await r.client();
    const code = async (workspace: string) => {
      const err = (await client.call('session.create', { workspace }).catch((e: unknown) => e)) as Error & {
        code?: string;
      };
      return `${err.code}: ${err.message}`;
    };
    expect(await code(join(r.dirs.root, 'missing'))).toMatch(
      /^WORKSPACE_INVALID: workspace .*missing cannot be used: ENOENT/,
    );
    expect(await code('/')).toMatch(/^WORKSPACE_INVALID: .*filesystem root/);
    // Relative to the daemon's cwd would not be what the client meant.
    expect(await code('other-project')).toMatch(
      /^WORKSPACE_INVALID: workspace "other-project" is not an absolute path/,
    );
    // The data dir's parent contains the keys: never a workspace.
    expect(await code(r.dirs.root)).toMatch(/^WORKSPACE_INVALID: /);
    await mkdir(join(other, '.astrid'));
    await writeFile(join(other, '.astrid', 'config.toml'), '[workspace\nmode = ');
    const broken = await client
      .call('session.create', { workspace: other })
      .catch((e: unknown) => e as Error);
    expect((broken as Error).message).toContain(join(other, '.astrid', 'config.toml'));
    // Fixed, it is tried again (a failure is not cached).
    await writeFile(join(other, '.astrid', 'config.toml'), '[workspace]\nmode = "safe"\n');
    expect((await client.call('session.create', { workspace: other })).workspace).toBe(other);
    expect((await client.call('session.create', {})).workspace).toBe(r.dirs.ws);
    expect((await client.call('session.list', {})).sessions).toHaveLength(2);
  });

  it('config.get, config.validate and config.paths answer for the workspace asked about', async () => {
    const client = await r.client();
    await mkdir(join(other, '.astrid'));
    await writeFile(join(other, '.astrid', 'config.toml'), '[workspace]\nmode = "safe"\n');
    const got = (await client.call('config.get', { workspace: other })).config as {
      workspace: { mode: string };
    };
    expect(got.workspace.mode).toBe('safe');
    const own = (await client.call('config.get', {})).config as { workspace: { mode: string } };
    expect(own.workspace.mode).toBe('guided');
    const files = (await client.call('config.paths', { workspace: other })).files;
    expect(files.find((f) => f.layer === 'workspace')).toEqual({
      layer: 'workspace',
      path: join(other, '.astrid', 'config.toml'),
      exists: true,
    });
    await writeFile(join(other, '.astrid', 'config.toml'), '[workspace\nmode = ');
    const broken = await client.call('config.validate', { workspace: other });
    expect(broken.valid).toBe(false);
    expect(broken.errors.join('\n')).toContain(join(other, '.astrid', 'config.toml'));
    expect((await client.call('config.validate', {})).valid).toBe(true);
    const missing = await client
      .call('config.validate', { workspace: join(other, 'nope') })
      .catch((e: Error) => e);
    expect((missing as { code?: string }).code).toBe('WORKSPACE_INVALID');
    const relative = await client.call('config.paths', { workspace: 'project' }).catch((e: Error) => e);
    expect((relative as { code?: string }).code).toBe('WORKSPACE_INVALID');
  });

  it("workspace_max_usd counts each workspace's own sessions", async () => {
    await r.close();
    // One model request reserves exactly the workspace budget (10 output tokens at $1000 per
    // million, no input price): the first fits, the second in the same workspace does not.
    const priced = (c: AstridConfig): AstridConfig => ({
      ...c,
      model: {
        ...c.model,
        max_tokens: 10,
        pricing: {
          input_micro_usd_per_mtok: 0,
          output_micro_usd_per_mtok: 1_000_000_000,
          cache_read_micro_usd_per_mtok: 0,
          cache_write_micro_usd_per_mtok: 0,
        },
      },
      budget: { ...c.budget, workspace_max_micro_usd: 10_000 },
    });
    r = await rig({ editConfig: priced });
    await mkdir(other, { recursive: true });
    const client = await r.client();
    const first = await client.call('session.create', {});
    const second = await client.call('session.create', {});
    const elsewhere = await client.call('session.create', { workspace: other });
    r.server.enqueue({ text: 'one' }, { text: 'two' }, { text: 'three' });
    expect(await turn(client, first.id, 'hi')).toContain('turn_done');
    expect((await client.call('session.get', { sessionId: first.id })).spentMicros).toBeGreaterThan(0);
    // The same workspace's budget is spent: refused before any request is made.
    const before = r.server.requests.length;
    const seen = collect(client);
    expect(await turn(client, second.id, 'hi')).toContain('turn_done');
    expect(r.server.requests.length).toBe(before);
    expect(JSON.stringify(seen.map((n) => n.event))).toContain('of the workspace budget is left');
    // Another workspace has its own budget.
    expect(await turn(client, elsewhere.id, 'hi')).toContain('turn_done');
    expect(r.server.requests.length).toBe(before + 1);
  });

  it("tool actions count against their workspace's budget too (budget.action_costs)", async () => {
    await r.close();
    const costly = (c: AstridConfig): AstridConfig => ({
      ...c,
      model: {
        ...c.model,
        pricing: {
          input_micro_usd_per_mtok: 0,
          output_micro_usd_per_mtok: 0,
          cache_read_micro_usd_per_mtok: 0,
          cache_write_micro_usd_per_mtok: 0,
        },
      },
      budget: { ...c.budget, workspace_max_micro_usd: 10_000, action_costs_micro_usd: { file_read: 6_000 } },
    });
    r = await rig({ editConfig: costly });
    await mkdir(other, { recursive: true });
    await writeFile(join(other, 'notes.txt'), 'other notes\n');
    await writeFile(join(r.dirs.ws, 'notes.txt'), 'default notes\n');
    const client = await r.client();
    const a = await client.call('session.create', {});
    const b = await client.call('session.create', {});
    const c = await client.call('session.create', { workspace: other });
    const read = { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] };
    r.server.enqueue(read, { text: 'a done' }, read, { text: 'b done' }, read, { text: 'c done' });
    expect(await turn(client, a.id, 'read')).toContain('turn_done');
    expect(JSON.stringify(r.server.requests.at(-1)?.body)).toContain('default notes');
    // The second read in the same workspace would pass its 10 000 micro-USD.
    expect(await turn(client, b.id, 'read')).toContain('turn_done');
    expect(JSON.stringify(r.server.requests.at(-1)?.body)).toContain('of the workspace budget is left');
    // The other workspace has its own.
    expect(await turn(client, c.id, 'read')).toContain('turn_done');
    expect(JSON.stringify(r.server.requests.at(-1)?.body)).toContain('other notes');
  });
});
