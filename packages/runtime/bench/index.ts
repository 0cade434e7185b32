// turn-overhead: one tool-using turn through the runtime (model asks for read_file, the
// interceptor allows it by mode, the tool runs, the result goes back, the model answers)
// against the test server with zero added latency, versus the floor measured in the same
// run: the same two requests (the exact bodies the runtime sent, replayed) made directly with
// the Anthropic SDK against the same server and streamed to the end, plus the same number of
// synced LevelDB writes the turn made, each of the same shape: a put for a session save, an
// atomic batch with the same number of operations and value sizes for an audit append. The
// floor does them in the order the turn does (its writes before, between and after the two
// requests, as the turn must: a decision is durable before its request, a reply is saved
// after it). `turn-overhead-grouped` is the same against the two requests back to back and
// then the writes back to back, an order no turn can take, kept for comparison.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Anthropic from '@anthropic-ai/sdk';
import { report } from '@astrid/benchkit';
import { loadConfig } from '@astrid/config';
import { createProvider, type LlmProvider } from '@astrid/llm';
import type { BatchOperation, Database, Store, WriteOptions } from '@astrid/storage';
import { start } from '@astrid/testkit';
import { Runtime } from '../src/index.js';

const PAIRS = 200;

const root = await mkdtemp(join(tmpdir(), 'astrid-bench-'));
const dirs = { data: join(root, 'data'), ws: join(root, 'ws'), home: join(root, 'home') };
await mkdir(dirs.ws);
await mkdir(dirs.home);
await writeFile(join(dirs.ws, 'notes.txt'), 'line\n'.repeat(40));
const server = await start({ latencyMs: 0 });
const config = (
  await loadConfig({
    home: dirs.data,
    workspace: dirs.ws,
    env: {},
    adminPath: join(root, 'no-admin.toml'),
    flags: {
      model: {
        provider: 'anthropic',
        base_url: server.url,
        api_key: 'testkit-key',
        model: 'bench-model',
        max_tokens: 1024,
      },
      approval: { countdown_seconds: 0 },
      audit: { checkpoint_seconds: 3600 },
    },
  })
).config;

// Records every synced write and every model request, in order, while `counting` is set, and
// the sizes of a write's values (one for a put, several for a batch) while `sizing` is set
// too: sizes are taken in the warm-up turns only, so the measured turns do not pay for
// serializing every value a second time.
type Step = { readonly kind: 'write'; readonly sizes: number[] } | { readonly kind: 'request' };
let counting = false;
let sizing = false;
const steps: Step[] = [];
let runtimeDb: Database | undefined;
function counted(db: Database): Database {
  runtimeDb = db;
  const note = (options: WriteOptions | undefined, bytes: () => number[]) => {
    if (counting && options?.sync === true) steps.push({ kind: 'write', sizes: sizing ? bytes() : [] });
  };
  return {
    location: db.location,
    close: () => db.close(),
    batch(ops: readonly BatchOperation[], options?: WriteOptions) {
      note(options, () => ops.map((op) => (op.type === 'put' ? JSON.stringify(op.value).length : 0)));
      return db.batch(ops, options);
    },
    store<V>(name: string): Store<V> {
      const inner = db.store<V>(name);
      return {
        name: inner.name,
        get: (k) => inner.get(k),
        del: (k, o) => inner.del(k, o),
        entries: (r) => inner.entries(r),
        putOp: (k, v) => inner.putOp(k, v),
        delOp: (k) => inner.delOp(k),
        put(k, v, o) {
          note(o, () => [JSON.stringify(v).length]);
          return inner.put(k, v, o);
        },
      };
    },
  };
}

// The runtime calls `stream` once its request is authorized, right before it is sent.
function requestsNoted(provider: LlmProvider): LlmProvider {
  return {
    name: provider.name,
    model: provider.model,
    baseURL: provider.baseURL,
    stream(request, options) {
      if (counting) steps.push({ kind: 'request' });
      return provider.stream(request, options);
    },
  };
}

const runtime = await Runtime.open({
  home: dirs.data,
  workspace: dirs.ws,
  config,
  env: { PATH: process.env.PATH, HOME: dirs.home },
  userHome: dirs.home,
  provider: requestsNoted(createProvider(config.model, {})),
  wrapDb: counted,
});
// The floor writes into the runtime's own database (same files, same size), in a store of its own.
const floorDb = runtimeDb as Database;
const floorStore = floorDb.store<{ pad: string }>('bench-floor');
const anthropic = new Anthropic({ apiKey: 'testkit-key', baseURL: server.url, maxRetries: 0 });

function script(): void {
  server.enqueue(
    { toolCalls: [{ id: 'toolu_bench', name: 'read_file', arguments: { path: 'notes.txt' } }] },
    { text: 'The notes are 40 identical lines.' },
  );
}

// One turn through the runtime; returns µs.
async function turn(): Promise<number> {
  const session = await runtime.createSession();
  script();
  steps.length = 0;
  counting = true;
  const t0 = performance.now();
  const result = await session.send('What is in notes.txt?');
  const us = (performance.now() - t0) * 1000;
  counting = false;
  if (result.status !== 'done') throw new Error(`turn ended ${result.status}: ${result.error?.message}`);
  return us;
}

async function request(body: Record<string, unknown>): Promise<number> {
  let sink = 0;
  const params = { ...body, stream: true } as unknown as Anthropic.MessageCreateParamsStreaming;
  const stream = await anthropic.messages.create(params);
  for await (const event of stream) sink += event.type.length;
  if (sink === 0) throw new Error('no events');
  return sink;
}

async function write(i: number, sizes: readonly number[]): Promise<void> {
  const values = sizes.map((bytes) => ({ pad: 'x'.repeat(Math.max(0, bytes - 10)) }));
  if (values.length === 1) await floorStore.put(`k${i}`, values[0] as { pad: string }, { sync: true });
  else
    await floorDb.batch(
      values.map((v, j) => floorStore.putOp(`k${i}-${j}`, v)),
      { sync: true },
    );
}

// The same requests replayed with the SDK plus the same synced writes, in the turn's order,
// or (`grouped`) the requests first and then the writes; returns µs.
async function floor(
  bodies: readonly Record<string, unknown>[],
  order: readonly Step[],
  grouped: boolean,
): Promise<number> {
  script();
  const t0 = performance.now();
  let next = 0;
  if (grouped) for (const body of bodies) await request(body);
  for (const [i, step] of order.entries()) {
    if (step.kind === 'write') await write(i, step.sizes);
    else if (!grouped) await request(bodies[next++] as Record<string, unknown>);
  }
  return (performance.now() - t0) * 1000;
}

// Warm up both paths (JIT, the shell parser, connections).
sizing = true;
for (let i = 0; i < 5; i++) await turn();
sizing = false;
const order = [...steps];
const writeCount = order.filter((s) => s.kind === 'write').length;
const bodies = server.requests.slice(-2).map((q) => q.body as Record<string, unknown>);
if (writeCount !== 11) throw new Error(`expected 11 synced writes per turn, counted ${writeCount}`);
if (order.length !== 13) throw new Error(`expected 2 model requests per turn, counted ${order.length - 11}`);
for (let i = 0; i < 5; i++) {
  await floor(bodies, order, false);
  await floor(bodies, order, true);
}

// Interleaved, so background load hits all sides alike; medians resist the outliers.
const ours: number[] = [];
const raw: number[] = [];
const grouped: number[] = [];
for (let i = 0; i < PAIRS; i++) {
  ours.push(await turn());
  if (steps.length !== order.length)
    throw new Error(`a turn made ${steps.length} writes and requests, the warm-up ${order.length}`);
  raw.push(await floor(bodies, order, false));
  grouped.push(await floor(bodies, order, true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
report({ name: 'turn-overhead', value: median(ours), unit: 'us', floor: median(raw) });
report({ name: 'turn-overhead-grouped', value: median(ours), unit: 'us', floor: median(grouped) });

await runtime.close();
await server.close();
await rm(root, { recursive: true, force: true });
