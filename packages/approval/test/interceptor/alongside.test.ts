import { join } from 'node:path';
import type { AuditEntry } from '@astrid/audit';
import type { SensitiveAction } from '@astrid/core';
import type { Database } from '@astrid/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, makeHarness } from './harness.js';

// execute's `alongside`: the caller records the value while the result entry is written.

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function results(): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of h.audit.read({ kind: 'result' })) out.push(e);
  return out;
}

/** Lets the test hold and fail the log's writes of result entries. */
function resultWrites(control: { fail: boolean; gate?: Promise<void> }) {
  return (db: Database): Database => ({
    location: db.location,
    store: (n) => db.store(n),
    async batch(ops, o) {
      if (ops.some((op) => op.store === 'audit-by-kind' && op.key.startsWith('result/'))) {
        await control.gate;
        if (control.fail) throw new Error('injected: disk full');
      }
      return db.batch(ops, o);
    },
    close: () => db.close(),
  });
}

const read = (ws: string): SensitiveAction => ({ kind: 'file_read', path: join(ws, 'a.txt') });

describe('SecurityInterceptor.execute alongside', () => {
  it('gets the value while the result entry is still being written; execute waits for both', async () => {
    let open!: () => void;
    const control = {
      fail: false,
      gate: new Promise<void>((resolve) => {
        open = resolve;
      }),
    };
    h = await makeHarness({ wrapDb: resultWrites(control) });
    const r = await h.interceptor.intercept(read(h.ws), h.ctx());
    if (!r.allowed) throw new Error(r.reason);
    let seen: string | undefined;
    let settled = false;
    const done = h.interceptor
      .execute(r.authorization, read(h.ws), async () => ({ value: 'the value', output: 'x' }), {
        alongside: async (value) => {
          seen = value;
        },
      })
      .then((v) => {
        settled = true;
        return v;
      });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toBe('the value');
    expect(settled).toBe(false);
    expect(await results()).toHaveLength(0);
    open();
    expect(await done).toBe('the value');
    expect(await results()).toHaveLength(1);
  });

  it('a failing alongside rejects execute with its error; the result entry is still written', async () => {
    h = await makeHarness();
    const r = await h.interceptor.intercept(read(h.ws), h.ctx());
    if (!r.allowed) throw new Error(r.reason);
    const run = h.interceptor.execute(r.authorization, read(h.ws), async () => ({ value: 1, output: 'x' }), {
      alongside: async () => {
        throw new Error('injected: the session could not be saved');
      },
    });
    await expect(run).rejects.toThrow('injected: the session could not be saved');
    expect((await results()).map((e) => e.outcome?.status)).toEqual(['success']);
  });

  it('a failed result entry rejects execute even when alongside succeeded', async () => {
    h = await makeHarness({ wrapDb: resultWrites({ fail: true }) });
    const r = await h.interceptor.intercept(read(h.ws), h.ctx());
    if (!r.allowed) throw new Error(r.reason);
    let called = 0;
    const run = h.interceptor.execute(r.authorization, read(h.ws), async () => ({ value: 1, output: 'x' }), {
      alongside: async () => {
        called++;
      },
    });
    await expect(run).rejects.toThrow(/disk full/);
    expect(called).toBe(1);
  });

  it('is not called when the run fails', async () => {
    h = await makeHarness();
    const r = await h.interceptor.intercept(read(h.ws), h.ctx());
    if (!r.allowed) throw new Error(r.reason);
    let called = 0;
    const run = h.interceptor.execute(
      r.authorization,
      read(h.ws),
      async () => {
        throw new Error('the tool failed');
      },
      {
        alongside: async () => {
          called++;
        },
      },
    );
    await expect(run).rejects.toThrow('the tool failed');
    expect(called).toBe(0);
    expect((await results()).map((e) => e.outcome?.status)).toEqual(['failure']);
  });
});
