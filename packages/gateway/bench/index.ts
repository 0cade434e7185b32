// rpc-roundtrip: one tiny call (`action.cancel`, validated params, a handler, the reply),
// sequential, through AstridClient and the Gateway on a Unix socket, versus the floor: a raw
// `ws` server with a `json-rpc-2.0` echo method on a Unix socket and a raw ws +
// JSONRPCClient, in the same process, same run. rpc-throughput-64: the same calls with 64
// in flight at once, in calls per second (ratio = value / floor: higher is better).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { report, usPerAsyncCall } from '@astrid/benchkit';
import { AstridClient } from '@astrid/client';
import { loadConfig } from '@astrid/config';
import { JSONRPCClient, JSONRPCServer } from 'json-rpc-2.0';
import { WebSocket, WebSocketServer } from 'ws';
import { Gateway } from '../src/index.js';

const SEQUENTIAL = 3000;
const CONCURRENT = 64;
const TOTAL = 30_000;

const root = await mkdtemp(join(tmpdir(), 'astrid-bench-'));
const home = join(root, 'data');
const ws = join(root, 'ws');
await mkdir(ws);
await writeFile(join(ws, 'README.md'), '# bench\n');
const { config } = await loadConfig({ home, workspace: ws, env: {}, adminPath: join(root, 'no-admin.toml') });
const token = randomBytes(32).toString('hex');
const gateway = await Gateway.start({ home, workspace: ws, config, token, env: {} });
await writeFile(
  join(home, 'daemon.json'),
  JSON.stringify({ socket: gateway.socketPath, token, pid: process.pid }),
  {
    mode: 0o600,
  },
);
const client = await AstridClient.connect({ home, reconnect: false });
const astrid = () => client.call('action.cancel', { id: 'bench' });

// The floor: the same libraries with nothing of Astrid's in between.
const rawSocket = join(root, 'raw.sock');
const http = createServer();
const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024, perMessageDeflate: false });
const echo = new JSONRPCServer();
echo.addMethod('echo', (params: unknown) => ({ cancelled: params === undefined }));
http.on('upgrade', (req, socket, head) =>
  wss.handleUpgrade(req, socket, head, (conn) => {
    conn.on('message', async (data) => {
      const reply = await echo.receiveJSON(data.toString());
      if (reply !== null) conn.send(JSON.stringify(reply));
    });
  }),
);
await new Promise<void>((resolve) => http.listen(rawSocket, resolve));
const rawWs = new WebSocket(`ws+unix://${rawSocket}:/rpc`, { perMessageDeflate: false });
await new Promise((resolve) => rawWs.once('open', resolve));
let nextId = 0;
const rawClient = new JSONRPCClient(
  (payload) => rawWs.send(JSON.stringify(payload)),
  () => nextId++,
);
rawWs.on('message', (data) => rawClient.receive(JSON.parse(data.toString())));
const floor = async (): Promise<unknown> => rawClient.request('echo', { id: 'bench' });

async function throughput(call: () => PromiseLike<unknown>): Promise<number> {
  let left = TOTAL;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      while (left-- > 0) await call();
    }),
  );
  return TOTAL / ((performance.now() - start) / 1000);
}

// Interleaved, best of three each, so both sides see the same machine state.
let rtValue = Number.POSITIVE_INFINITY;
let rtFloor = Number.POSITIVE_INFINITY;
let tpValue = 0;
let tpFloor = 0;
for (let round = 0; round < 3; round++) {
  rtFloor = Math.min(rtFloor, await usPerAsyncCall(floor, SEQUENTIAL, 1));
  rtValue = Math.min(rtValue, await usPerAsyncCall(astrid, SEQUENTIAL, 1));
  tpFloor = Math.max(tpFloor, await throughput(floor));
  tpValue = Math.max(tpValue, await throughput(astrid));
}
report({ name: 'rpc-roundtrip', value: rtValue, unit: 'us', floor: rtFloor });
report({ name: 'rpc-throughput-64', value: tpValue, unit: 'calls/s', floor: tpFloor });

await client.close();
rawWs.close();
wss.close();
await new Promise<void>((resolve) => http.close(() => resolve()));
await gateway.close();
await rm(root, { recursive: true, force: true });
