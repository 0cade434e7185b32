import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AstridClient, type AstridClientOptions } from '@astrid/client';
import { type AstridConfig, type ConfigLayer, loadConfig } from '@astrid/config';
import type { RpcNotifications, RuntimeEvent } from '@astrid/core';
import { type LlmTestServer, start } from '@astrid/testkit';
import { WebSocket } from 'ws';
import { createDaemonLogger, Gateway, type GatewayOptions } from '../src/index.js';

/** Temp dirs of one daemon: data dir, workspace, fake user home. */
export interface Dirs {
  readonly root: string;
  readonly data: string;
  readonly ws: string;
  readonly userHome: string;
}

export async function makeDirs(): Promise<Dirs> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-'));
  const dirs = { root, data: join(root, 'data'), ws: join(root, 'ws'), userHome: join(root, 'home') };
  await mkdir(dirs.ws);
  await mkdir(dirs.userHome);
  await writeFile(join(dirs.ws, 'README.md'), '# test workspace\n');
  return dirs;
}

export async function testConfig(
  dirs: Dirs,
  server: LlmTestServer,
  flags: ConfigLayer = {},
  workspace = dirs.ws,
): Promise<AstridConfig> {
  const loaded = await loadConfig({
    home: dirs.data,
    workspace,
    env: {},
    adminPath: join(dirs.root, 'no-admin.toml'),
    flags: {
      ...flags,
      model: {
        provider: 'anthropic',
        base_url: server.url,
        api_key: 'testkit-key',
        model: 'test-model',
        max_tokens: 1024,
      },
      approval: { countdown_seconds: 0, ...flags.approval },
      audit: { checkpoint_seconds: 3600, ...flags.audit },
    },
  });
  return loaded.config;
}

/** A gateway in this process on temp dirs, against a scripted LLM server. */
export interface Rig {
  readonly dirs: Dirs;
  readonly server: LlmTestServer;
  readonly token: string;
  gateway: Gateway;
  /** A verified client (no reconnect unless asked). */
  client(options?: Partial<AstridClientOptions>): Promise<AstridClient>;
  /** Closes the gateway and opens a new one on the same dirs (a restart, new token). */
  restart(options?: Partial<GatewayOptions>): Promise<void>;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly gateway?: Partial<GatewayOptions>;
  readonly flags?: ConfigLayer;
  /** Log at `trace` to `<data>/logs/astridd.log`, as astridd does (to check what reaches it). */
  readonly logToFile?: boolean;
  /** Changes the resolved config (for what no TOML layer can express, e.g. no budget limit). */
  readonly editConfig?: (config: AstridConfig) => AstridConfig;
}

export async function rig(options: RigOptions = {}): Promise<Rig> {
  const dirs = await makeDirs();
  const server = await start();
  const loaded = await testConfig(dirs, server, options.flags);
  const config = options.editConfig === undefined ? loaded : options.editConfig(loaded);
  const clients: AstridClient[] = [];
  const logger =
    options.logToFile === true ? createDaemonLogger({ home: dirs.data, level: 'trace' }) : undefined;
  const open = async (extra: Partial<GatewayOptions> = {}): Promise<{ gateway: Gateway; token: string }> => {
    const token = randomBytes(32).toString('hex');
    const gateway = await Gateway.start({
      home: dirs.data,
      workspace: dirs.ws,
      config,
      token,
      env: { PATH: process.env.PATH },
      adminConfigPath: join(dirs.root, 'no-admin.toml'),
      ...(logger === undefined ? {} : { logger }),
      ...options.gateway,
      runtime: {
        userHome: dirs.userHome,
        resolveHost: async () => ['203.0.113.7'],
        // Another workspace's config: the same layers and flags, with its own workspace layer.
        workspaceConfig: async (root) => {
          const other = await testConfig(dirs, server, options.flags, root);
          return options.editConfig === undefined ? other : options.editConfig(other);
        },
        ...options.gateway?.runtime,
      },
      ...extra,
    });
    // What astridd writes, so clients find the daemon as they would in real use.
    await writeFile(
      join(dirs.data, 'daemon.json'),
      JSON.stringify({ socket: gateway.socketPath, token, pid: process.pid }),
      { mode: 0o600 },
    );
    return { gateway, token };
  };
  let current = await open();
  const r: Rig = {
    dirs,
    server,
    get token() {
      return current.token;
    },
    get gateway() {
      return current.gateway;
    },
    set gateway(g) {
      current = { ...current, gateway: g };
    },
    async client(extra = {}) {
      const c = await AstridClient.connect({
        home: dirs.data,
        reconnect: false,
        clientName: 'test',
        ...extra,
      });
      clients.push(c);
      return c;
    },
    async restart(extra = {}) {
      await current.gateway.close();
      current = await open(extra);
    },
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      await current.gateway.close().catch(() => undefined);
      await server.close();
      await rm(dirs.root, { recursive: true, force: true });
    },
  };
  return r;
}

/** Collects a client's session events. */
export function collect(client: AstridClient): RpcNotifications['session.event'][] {
  const notes: RpcNotifications['session.event'][] = [];
  client.on('session.event', (n) => notes.push(n));
  return notes;
}

/** Resolves when `predicate` holds, polling. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Event types of a collected stream. */
export function types(notes: readonly { event: RuntimeEvent }[]): string[] {
  return notes.map((n) => n.event.type);
}

/** A raw authenticated WebSocket to the rig's socket, for frames no client would send. */
export async function rawSocket(r: Rig): Promise<RawSocket> {
  const ws = new WebSocket(`ws+unix://${r.gateway.socketPath}:/rpc`, {
    headers: { authorization: `Bearer ${r.token}` },
  });
  const messages: unknown[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    async next(count = 1) {
      await until(() => messages.length >= count);
      return messages.splice(0, count);
    },
  };
}

export interface RawSocket {
  readonly ws: WebSocket;
  readonly messages: unknown[];
  /** Waits for and removes the next `count` messages. */
  next(count?: number): Promise<unknown[]>;
}
