import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AstridClient } from '@astrid/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rig, rig } from './helpers.js';

let r: Rig;
beforeAll(async () => {
  r = await rig();
});
afterAll(async () => {
  await r.close();
});

// A real full GC, so heap figures compare live memory, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const CLIENTS = 200;
const CALLS = 100;

async function round(): Promise<number> {
  const clients: AstridClient[] = [];
  for (let i = 0; i < CLIENTS; i += 50) {
    clients.push(...(await Promise.all(Array.from({ length: 50 }, () => r.client()))));
  }
  let errors = 0;
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = 0; n < CALLS; n++) {
        try {
          const result =
            n % 2 === 0
              ? await client.call('keys.show')
              : await client.call('approval.list', { state: 'pending' });
          if (result === undefined) errors++;
        } catch {
          errors++;
        }
      }
      return i;
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  return errors;
}

describe('load', () => {
  it('200 concurrent clients x 100 calls: zero errors; heap after GC within +50 MiB over two rounds', async () => {
    const baseline = heapAfterGc();
    expect(await round()).toBe(0);
    const first = heapAfterGc();
    expect(await round()).toBe(0);
    const second = heapAfterGc();
    const mib = (n: number) => n / 1024 / 1024;
    expect(mib(first - baseline)).toBeLessThan(50);
    expect(mib(second - baseline)).toBeLessThan(50);
    expect(r.gateway.connectionCount).toBe(0);
  }, 60_000);
});
