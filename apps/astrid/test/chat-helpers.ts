import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AstridClient } from '@astrid/client';
import { type ConfigLayer, loadConfig } from '@astrid/config';
import { type ElicitationResult, RPC_PARAMS } from '@astrid/core';
import { Gateway, type GatewayOptions } from '@astrid/gateway';
import { type LlmTestServer, start } from '@astrid/testkit';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { ChatApp, ChatController, type ControllerOptions } from '../src/chat/index.js';

// The pattern of packages/gateway/test/helpers.ts: a real Gateway in this process on temp
// dirs, a real client over its Unix socket, and the scripted LLM server from @astrid/testkit
// (or the offline demo agent when `demo` is set). Nothing of the daemon is mocked.

/** A gateway on temp dirs with its scripted model server. */
export interface ChatRig {
  readonly root: string;
  readonly home: string;
  readonly ws: string;
  readonly server: LlmTestServer;
  readonly gateway: Gateway;
  /** A verified client named `clientName` (recorded as the frontend in `decidedBy`). */
  client(clientName?: string): Promise<AstridClient>;
  close(): Promise<void>;
}

/** Options of {@link chatRig}. */
export interface ChatRigOptions {
  /** No model configured: the daemon runs the demo agent. */
  readonly demo?: boolean;
  readonly flags?: ConfigLayer;
  /** Delay before each SSE event of the scripted server. */
  readonly latencyMs?: number;
  /** The runtime's tools instead of the built-ins (a fixture tool). */
  readonly tools?: RuntimeTools;
}

type RuntimeTools = NonNullable<NonNullable<GatewayOptions['runtime']>['tools']>;
type Tool = ReturnType<RuntimeTools>[number];

/**
 * A fixture tool, `ask_setup`, that asks the human through `ctx.elicit` (as an MCP server
 * or capsule would) and pushes the result to `results`; its output never echoes the secret.
 * Its input is `{}`: the schema is one of core's empty strict objects (this package has no
 * zod of its own). It plans a read of the workspace README, which guided mode allows.
 */
export function askSetupTool(results: ElicitationResult[], message: string): Tool {
  return {
    name: 'ask_setup',
    description: 'Asks the human for setup values.',
    inputSchema: RPC_PARAMS['daemon.status'] as Tool['inputSchema'],
    async plan(_input, ctx) {
      return { actions: [{ kind: 'file_read', path: join(ctx.boundary.root, 'README.md') }] };
    },
    async run(_input, _plan, _authorizations, ctx) {
      if (ctx.elicit === undefined) return { content: 'cannot ask', isError: true };
      const result = await ctx.elicit({
        message,
        fields: [
          { name: 'apiKey', title: 'API key', type: 'string', required: true, secret: true },
          { name: 'region', type: 'string', enum: ['eu', 'us'] },
          { name: 'workers', type: 'integer', required: true },
          { name: 'verbose', type: 'boolean' },
        ],
      });
      results.push(result);
      return { content: `outcome=${result.outcome}` };
    },
  };
}

/** Starts a gateway in this process against a scripted model (or the demo). */
// What the tests opened, closed after each test by `closeChats` (chats before their rigs).
const opened: (() => Promise<void>)[] = [];

function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}

/** Closes every chat and rig the test opened, newest first; use as `afterEach(closeChats)`. */
export async function closeChats(): Promise<void> {
  for (let close = opened.pop(); close !== undefined; close = opened.pop()) await close();
}

/** A gateway on temp dirs with its scripted model server (closed by {@link closeChats}). */
export async function chatRig(options: ChatRigOptions = {}): Promise<ChatRig> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-'));
  const home = join(root, 'data');
  const ws = join(root, 'ws');
  const userHome = join(root, 'home');
  await mkdir(ws);
  await mkdir(userHome);
  await writeFile(join(ws, 'README.md'), '# test workspace\n');
  const server = await start({ latencyMs: options.latencyMs ?? 0 });
  const loaded = await loadConfig({
    home,
    workspace: ws,
    env: {},
    adminPath: join(root, 'no-admin.toml'),
    flags: {
      ...options.flags,
      ...(options.demo === true
        ? {}
        : {
            model: {
              provider: 'anthropic',
              base_url: server.url,
              api_key: 'testkit-key',
              model: 'test-model',
              max_tokens: 1024,
            },
          }),
      approval: { countdown_seconds: 0, ...options.flags?.approval },
      audit: { checkpoint_seconds: 3600, ...options.flags?.audit },
    },
  });
  const token = randomBytes(32).toString('hex');
  const gateway = await Gateway.start({
    home,
    workspace: ws,
    config: loaded.config,
    token,
    env: { PATH: process.env.PATH },
    runtime: {
      userHome,
      resolveHost: async () => ['203.0.113.7'],
      ...(options.tools === undefined ? {} : { tools: options.tools }),
    },
    adminConfigPath: join(root, 'no-admin.toml'),
  });
  await writeFile(
    join(home, 'daemon.json'),
    JSON.stringify({ socket: gateway.socketPath, token, pid: process.pid }),
    { mode: 0o600 },
  );
  const clients: AstridClient[] = [];
  const close = once(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await gateway.close().catch(() => undefined);
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  opened.push(close);
  return {
    root,
    home,
    ws,
    server,
    gateway,
    async client(clientName = 'test') {
      const c = await AstridClient.connect({ home, reconnect: false, clientName });
      clients.push(c);
      return c;
    },
    close,
  };
}

/** Resolves when `predicate` holds, polling (bounded: throws after `timeoutMs`). */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  what = 'condition',
  timeoutMs = 8_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what} not met in time`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A mounted chat: the controller and its ink view under ink-testing-library. */
export interface MountedChat {
  readonly chat: ChatController;
  readonly client: AstridClient;
  readonly ui: ReturnType<typeof render>;
  /** The last frame (empty string before the first). */
  frame(): string;
  /** Every frame written so far, joined. */
  allOutput(): string;
  /** Waits until the last frame satisfies `predicate` (a substring, or a test). */
  waitFrame(predicate: string | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Types `text` (one write, like a paste) then, when `enter`, presses Enter separately. */
  type(text: string, enter?: boolean): Promise<void>;
  unmount(): Promise<void>;
}

/** Starts a controller on the rig and renders its view. */
export async function mountChat(
  r: ChatRig,
  options: Partial<Omit<ControllerOptions, 'client'>> & { clientName?: string } = {},
): Promise<MountedChat> {
  const client = await r.client(options.clientName ?? 'cli');
  const chat = await ChatController.start({ client, interactive: true, userId: 'tester', ...options });
  const ui = render(createElement(ChatApp, { controller: chat }));
  const frame = () => ui.lastFrame() ?? '';
  const unmount = once(async () => {
    ui.unmount();
    await chat.close();
  });
  opened.push(unmount);
  const m: MountedChat = {
    chat,
    client,
    ui,
    frame,
    allOutput: () => ui.frames.join(''),
    async waitFrame(predicate, timeoutMs) {
      const test = typeof predicate === 'string' ? (f: string) => f.includes(predicate) : predicate;
      await until(
        () => test(frame()),
        `frame ${typeof predicate === 'string' ? JSON.stringify(predicate) : 'test'}`,
        timeoutMs,
      );
      return frame();
    },
    async type(text, enter = true) {
      ui.stdin.write(text);
      await tick();
      if (enter) {
        ui.stdin.write('\r');
        await tick();
      }
    },
    unmount,
  };
  return m;
}

/** Lets ink process a write (React state updates are asynchronous). */
export function tick(ms = 20): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `text` without SGR colour/style sequences (what ink and emphasize emit). */
export function stripSgr(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape sequences is the point
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Every ESC (or C1 CSI/OSC) in `text` that is not an SGR colour/style sequence. */
export function foreignEscapes(text: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape sequences is the point
  return stripSgr(text).match(/[\u001b\u009b\u009d][^\n]{0,12}/g) ?? [];
}
