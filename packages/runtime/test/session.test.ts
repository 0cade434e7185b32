import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { isAstridError, sessionId } from '@astrid/core';
import type { Database, Store } from '@astrid/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { rig, type TestRig } from './helpers.js';

let r: TestRig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

/** Wraps a database so that every write to the `sessions` store goes through `put`. */
function sessionPuts(put: (write: () => Promise<void>) => Promise<void>) {
  return (db: Database): Database => ({
    location: db.location,
    batch: (ops, options) => db.batch(ops, options),
    close: () => db.close(),
    store<V>(name: string): Store<V> {
      const inner = db.store<V>(name);
      if (name !== 'sessions') return inner;
      return {
        ...inner,
        name: inner.name,
        get: (k) => inner.get(k),
        del: (k, o) => inner.del(k, o),
        entries: (range) => inner.entries(range),
        putOp: (k, v) => inner.putOp(k, v),
        delOp: (k) => inner.delOp(k),
        put: (k, v, o) => put(() => inner.put(k, v, o)),
      };
    },
  });
}

/**
 * Session writes fail while `failing.on` is set, or only the `failing.only`-th write
 * (counting from 1) when that is set.
 */
function failingSessions(failing: { on: boolean; writes: number; only?: number }) {
  return sessionPuts(async (write) => {
    failing.writes++;
    if (failing.on || failing.writes === failing.only) throw new Error('injected: disk full');
    return write();
  });
}

describe('sessions persist', () => {
  it('after every step: a reopened runtime resumes history, label and budget', async () => {
    const t = await rig({ files: { 'a.txt': 'alpha' } });
    r = t;
    t.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'a.txt' } }] },
      { text: 'it says alpha' },
    );
    const session = await t.runtime.createSession({ label: 'first' });
    await session.send('what is in a.txt?');
    await session.setLabel('renamed');
    const spent = session.budget().spent;
    expect(spent).toBeGreaterThan(0);
    const history = structuredClone(session.history);
    await t.runtime.close();

    const again = await rig({ reuse: { dirs: t.dirs, server: t.server } });
    const resumed = await again.runtime.resumeSession(session.id);
    expect(resumed.history).toEqual(history);
    expect(resumed.label).toBe('renamed');
    expect(resumed.tainted).toBe(true);
    expect(resumed.interrupted).toBe(false);
    expect(resumed.budget().spent).toBe(spent);
    expect(await again.runtime.listSessions()).toEqual([
      expect.objectContaining({
        id: session.id,
        label: 'renamed',
        messages: 4,
        interrupted: false,
        spentMicros: spent,
      }),
    ]);
    // The conversation goes on where it stood.
    t.server.enqueue({ text: 'still alpha' });
    expect(await resumed.send('and now?')).toMatchObject({ status: 'done', text: 'still alpha' });
    const sent = t.server.requests.at(-1)?.body as { messages: unknown[] };
    expect(sent.messages).toHaveLength(5);
    await resumed.end();
    await expect(again.runtime.resumeSession(session.id)).rejects.toThrow(/has ended/);
    await again.close();
    r = undefined;
    await t.close();
  });

  it('an unknown session is SESSION_NOT_FOUND', async () => {
    const t = await rig({});
    r = t;
    const err = await t.runtime.resumeSession(sessionId('ses_nope')).catch((e: unknown) => e);
    expect(isAstridError(err, 'SESSION_NOT_FOUND')).toBe(true);
  });

  it('a failing session write ends the turn with a clear error and leaves it resumable', async () => {
    const failing = { on: false, writes: 0 };
    const t = await rig({ runtime: { wrapDb: failingSessions(failing) } });
    r = t;
    const session = await t.runtime.createSession();
    failing.on = true;
    t.server.enqueue({ text: 'the reply' });
    const result = await session.send('hello');
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('STORAGE_FAILURE');
    expect(t.of('error')[0]?.message).toContain('injected: disk full');
    expect(session.interrupted).toBe(true);
    expect(() => session.send('again')).toThrow(/interrupted turn/);
    // Nothing was sent to the model: the first write (before the request) failed.
    expect(t.server.requests).toHaveLength(0);
    failing.on = false;
    expect(await session.resumeTurn()).toMatchObject({ status: 'done', text: 'the reply' });
    expect(session.history.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  // The request is planned and checked while the save before it is written (TurnLoop.run),
  // but recorded and sent only once that save is durable.
  it('a failed save before a model request: nothing about the request is recorded or sent', async () => {
    const failing: { on: boolean; writes: number; only?: number } = { on: false, writes: 0 };
    const t = await rig({ runtime: { wrapDb: failingSessions(failing) } });
    r = t;
    const session = await t.runtime.createSession();
    failing.only = failing.writes + 1; // the turn's first save
    t.server.enqueue({ text: 'the reply' });
    expect(await session.send('hello')).toMatchObject({ status: 'error' });
    expect(t.server.requests).toHaveLength(0);
    const llm: unknown[] = [];
    for await (const e of t.runtime.audit.read({ kind: 'decision' })) llm.push(e);
    expect(llm).toHaveLength(0);
  });

  it('a failed save of a reply with a tool call: the tool is neither judged nor run', async () => {
    const failing: { on: boolean; writes: number; only?: number } = { on: false, writes: 0 };
    const t = await rig({
      runtime: { wrapDb: failingSessions(failing) },
      flags: { workspace: { mode: 'autonomous' } },
    });
    r = t;
    const session = await t.runtime.createSession();
    failing.only = failing.writes + 2; // the save after the model's reply
    t.server.enqueue({ toolCalls: [{ name: 'write_file', arguments: { path: 'new.txt', content: 'x' } }] });
    const result = await session.send('write it');
    expect(result).toMatchObject({ status: 'error', error: { code: 'STORAGE_FAILURE' } });
    expect(t.server.requests).toHaveLength(1);
    const kinds: string[] = [];
    for await (const e of t.runtime.audit.read({ kind: 'decision' })) kinds.push(e.action?.kind ?? '');
    expect(kinds).toEqual(['llm_request']);
    await expect(access(join(t.dirs.ws, 'new.txt'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a second turn while one runs', async () => {
    const t = await rig({});
    r = t;
    t.server.enqueue({ text: 'slow', latencyMs: 20 });
    const session = await t.runtime.createSession();
    const first = session.send('one');
    expect(() => session.send('two')).toThrow(/already running/);
    expect(() => session.send('  ')).toThrow(RangeError);
    await first;
  });
});

/** Holds the `hold.at`-th session write (counting from 1) until `hold.gate` resolves. */
function heldSessions(hold: { at: number; writes: number; held: boolean; gate: Promise<void> }) {
  return sessionPuts(async (write) => {
    hold.writes++;
    if (hold.writes === hold.at) {
      hold.held = true;
      await hold.gate;
    }
    return write();
  });
}

/** Once `control.armed` is set, the first audit batch holding a result entry fails. */
function firstResultEntryFails(control: { armed: boolean; failed: number }) {
  return (db: Database): Database => ({
    location: db.location,
    store: (n) => db.store(n),
    batch(ops, o) {
      const result = ops.some((op) => op.store === 'audit-by-kind' && op.key.startsWith('result/'));
      if (control.armed && result && control.failed === 0) {
        control.failed++;
        return Promise.reject(new Error('injected: disk full'));
      }
      return db.batch(ops, o);
    },
    close: () => db.close(),
  });
}

describe('a reply is saved while its result entry is written', () => {
  it('a result entry that fails after the reply was recorded: the turn ends, the reply is taken back', async () => {
    const control = { failed: 0, armed: false };
    const t = await rig({
      runtime: { wrapDb: firstResultEntryFails(control) },
      flags: { workspace: { mode: 'autonomous' } },
    });
    r = t;
    const session = await t.runtime.createSession();
    control.armed = true;
    t.server.enqueue({ toolCalls: [{ name: 'write_file', arguments: { path: 'b.txt', content: 'x' } }] });
    const first = await session.send('write it');
    expect(first).toMatchObject({ status: 'error', error: { code: 'AUDIT_APPEND_FAILED' } });
    expect(control.failed).toBe(1);
    expect(session.history.map((m) => m.role)).toEqual(['user']);
    expect(session.interrupted).toBe(false);
    await expect(access(join(t.dirs.ws, 'b.txt'))).rejects.toThrow(/ENOENT/);
    // The next turn sends no dangling tool call (the API would refuse one without a result).
    t.server.enqueue({ text: 'fine' });
    expect(await session.send('again')).toMatchObject({ status: 'done', text: 'fine' });
    expect(session.history.map((m) => m.role)).toEqual(['user', 'user', 'assistant']);
    expect(JSON.stringify(t.server.requests.at(-1)?.body)).not.toContain('tool_use');
  });
});

describe('a final reply whose result entry fails', () => {
  it('ends the turn with the error and takes the reply back', async () => {
    const control = { armed: false, failed: 0 };
    const t = await rig({ runtime: { wrapDb: firstResultEntryFails(control) } });
    r = t;
    const session = await t.runtime.createSession();
    control.armed = true;
    t.server.enqueue({ text: 'the reply' });
    const first = await session.send('hello');
    expect(first).toMatchObject({ status: 'error', error: { code: 'AUDIT_APPEND_FAILED' } });
    expect(session.history.map((m) => m.role)).toEqual(['user']);
    expect(session.interrupted).toBe(false);
    expect(t.of('turn_done').at(-1)).toMatchObject({ status: 'error' });
  });
});

describe('the "executing" mark before a tool runs', () => {
  // A turn's session writes: the turn's start, the reply with the tool call, then the mark.
  async function heldAtMark(tool: string, args: Record<string, string>) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hold = { at: 0, writes: 0, held: false, gate };
    const t = await rig({
      runtime: { wrapDb: heldSessions(hold) },
      flags: { workspace: { mode: 'autonomous' } },
      files: { 'a.txt': 'alpha' },
    });
    r = t;
    const session = await t.runtime.createSession();
    hold.at = hold.writes + 3;
    t.server.enqueue({ toolCalls: [{ name: tool, arguments: args }] }, { text: 'ok' });
    const turn = session.send('go');
    for (let i = 0; i < 400 && !hold.held; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(hold.held).toBe(true);
    return { t, turn, release };
  }

  async function resultsOf(t: TestRig, kind: string): Promise<number> {
    let n = 0;
    for await (const e of t.runtime.audit.read({ kind: 'result' })) if (e.action?.kind === kind) n++;
    return n;
  }

  it('a read-only tool runs while its mark is written', async () => {
    const { t, turn, release } = await heldAtMark('read_file', { path: 'a.txt' });
    for (let i = 0; i < 400 && (await resultsOf(t, 'file_read')) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await resultsOf(t, 'file_read')).toBe(1);
    release();
    expect(await turn).toMatchObject({ status: 'done' });
  });

  it('a tool with effects waits for it', async () => {
    const { t, turn, release } = await heldAtMark('write_file', { path: 'b.txt', content: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await resultsOf(t, 'file_write')).toBe(0);
    await expect(access(join(t.dirs.ws, 'b.txt'))).rejects.toThrow(/ENOENT/);
    release();
    expect(await turn).toMatchObject({ status: 'done' });
    expect(await resultsOf(t, 'file_write')).toBe(1);
  });
});

describe('max_turns', () => {
  it('stops a turn whose model keeps calling tools, with an error event', async () => {
    const t = await rig({ runtime: { maxTurns: 2 }, files: { 'a.txt': 'a' } });
    r = t;
    const read = { toolCalls: [{ name: 'read_file', arguments: { path: 'a.txt' } }] };
    t.server.enqueue(read, read, read);
    const session = await t.runtime.createSession();
    const result = await session.send('loop forever');
    expect(result).toMatchObject({ status: 'max_turns', steps: 2 });
    expect(t.of('error')[0]).toMatchObject({ code: 'max_turns', retryable: false });
    expect(t.server.requests).toHaveLength(2);
    // The history ends with the last results, so the next turn is valid for both APIs.
    expect(session.history.at(-1)?.role).toBe('tool_results');
  });
});

describe('auto-apply countdown', () => {
  it('reaches frontends labelled with the session, and any frontend can cancel it', async () => {
    const t = await rig({
      files: { 'old.txt': 'x' },
      flags: {
        workspace: { mode: 'autonomous' },
        approval: { countdown_seconds: 60 },
        security: { policy: { allowed_commands: ['rm old.txt'] } },
      },
    });
    r = t;
    const session = await t.runtime.createSession();
    t.runtime.subscribe((e) => {
      if (e.type === 'auto_apply') t.runtime.cancelAutoApply(e.id);
    });
    t.server.enqueue({ toolCalls: [{ name: 'bash', arguments: { command: 'rm old.txt' } }] }, { text: 'ok' });
    expect(await session.send('clean up')).toMatchObject({ status: 'done' });
    const [auto] = t.of('auto_apply');
    expect(auto).toMatchObject({ agent: session.ref, risk: 'high', seconds: 60 });
    expect(t.of('auto_apply_cancelled')).toEqual([{ type: 'auto_apply_cancelled', id: auto?.id }]);
    expect(t.of('tool_result')[0]?.summary).toContain('APPROVAL_CANCELLED');
    expect(t.asked).toEqual([]);
  });
});

describe('a session mode', () => {
  it('can be stricter than the config: a read that guided mode allows is asked in a safe session, also after a resume', async () => {
    r = await rig({ files: { 'notes.txt': 'hello\n' } });
    const t = r;
    expect(t.config.workspace.mode).toBe('guided');
    await expect(t.runtime.createSession({ mode: 'autonomous' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const strict = await t.runtime.createSession({ mode: 'safe', label: 'strict' });
    t.answer = () => ({ decision: 'deny' });
    t.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
      { text: 'ok' },
    );
    await strict.send('read it');
    expect(t.asked.map((a) => a.action.kind)).toEqual(['file_read']);

    // The config's own mode: the same read runs without asking.
    const normal = await t.runtime.createSession({ label: 'normal' });
    t.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
      { text: 'ok' },
    );
    await normal.send('read it');
    expect(t.asked).toHaveLength(1);

    // After a restart the session keeps its stricter mode.
    const id = strict.id;
    await t.runtime.close();
    r = await rig({ reuse: { dirs: t.dirs, server: t.server } });
    const again = await r.runtime.resumeSession(id);
    r.answer = () => ({ decision: 'deny' });
    r.server.enqueue(
      { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
      { text: 'ok' },
    );
    await again.send('read it again');
    expect(r.asked.map((a) => a.action.kind)).toEqual(['file_read']);
    await t.server.close();
  });
});
