import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApprovalAnswer, ApprovalRequest } from '@astrid/approval';
import { type AstridConfig, type ConfigLayer, loadConfig } from '@astrid/config';
import { principalId } from '@astrid/core';
import { createProvider, type LlmProvider } from '@astrid/llm';
import { type LlmTestServer, start } from '@astrid/testkit';
import { Runtime, type RuntimeEvent, type RuntimeOptions } from '../src/index.js';

export type Protocol = 'anthropic' | 'openai';
export const PROTOCOLS: readonly Protocol[] = ['anthropic', 'openai'];

/** How the test's "human" answers an approval request: an answer, or leave it pending. */
export type Answerer = (request: ApprovalRequest) => ApprovalAnswer | 'leave';

export const HUMAN = { principal: principalId('alice'), frontend: 'test' };

/** Temp dirs for one runtime: data dir, workspace, and a fake user home (for `~`). */
export interface Dirs {
  readonly root: string;
  readonly data: string;
  readonly ws: string;
  readonly userHome: string;
}

/** Makes the temp dirs (under one `astrid-` temp dir). */
export async function makeDirs(): Promise<Dirs> {
  const root = await mkdtemp(join(tmpdir(), 'astrid-'));
  const dirs = { root, data: join(root, 'data'), ws: join(root, 'ws'), userHome: join(root, 'home') };
  await mkdir(dirs.ws);
  await mkdir(join(dirs.userHome, '.ssh'), { recursive: true });
  return dirs;
}

/** The `[model]` flags pointing one protocol at the test server. */
export function modelFlags(protocol: Protocol, server: LlmTestServer): ConfigLayer['model'] {
  return protocol === 'anthropic'
    ? {
        provider: 'anthropic',
        base_url: server.url,
        api_key: 'testkit-key',
        model: 'test-model',
        max_tokens: 1024,
      }
    : {
        provider: 'openai',
        base_url: `${server.url}/v1`,
        api_key: 'testkit-key',
        model: 'test-model',
        max_tokens: 1024,
      };
}

/** The resolved config for `dirs`, no admin file, no env, `flags` on top of test defaults. */
export async function testConfig(dirs: Dirs, flags: ConfigLayer): Promise<AstridConfig> {
  const loaded = await loadConfig({
    home: dirs.data,
    workspace: dirs.ws,
    env: {},
    adminPath: join(dirs.root, 'no-admin.toml'),
    flags: {
      ...flags,
      approval: { countdown_seconds: 0, ...flags.approval },
      audit: { checkpoint_seconds: 3600, ...flags.audit },
    },
  });
  return loaded.config;
}

/** A running runtime against the test server, with an event log and an answering "human". */
export interface TestRig {
  readonly dirs: Dirs;
  readonly server: LlmTestServer;
  readonly runtime: Runtime;
  readonly config: AstridConfig;
  readonly events: RuntimeEvent[];
  readonly asked: ApprovalRequest[];
  answer: Answerer;
  /** Events of one type. */
  of<T extends RuntimeEvent['type']>(type: T): Extract<RuntimeEvent, { type: T }>[];
  close(): Promise<void>;
}

/** Options of {@link rig}. */
export interface RigOptions {
  readonly protocol?: Protocol;
  readonly flags?: ConfigLayer;
  readonly runtime?: Partial<RuntimeOptions>;
  readonly provider?: (server: LlmTestServer, config: AstridConfig) => LlmProvider;
  readonly files?: Readonly<Record<string, string>>;
  /** Reuse existing dirs and server (a restart); they are not removed by close(). */
  readonly reuse?: { readonly dirs: Dirs; readonly server: LlmTestServer };
}

/** Opens a runtime on fresh temp dirs against a fresh test server (real SDKs, real LevelDB). */
export async function rig(options: RigOptions = {}): Promise<TestRig> {
  const dirs = options.reuse?.dirs ?? (await makeDirs());
  for (const [name, content] of Object.entries(options.files ?? {}))
    await writeFile(join(dirs.ws, name), content);
  const server = options.reuse?.server ?? (await start());
  const config = await testConfig(dirs, {
    ...options.flags,
    model: { ...modelFlags(options.protocol ?? 'anthropic', server), ...options.flags?.model },
  });
  const provider =
    options.provider?.(server, config) ??
    createProvider(config.model, {}, { sleep: async () => undefined, random: () => 0 });
  const runtime = await Runtime.open({
    home: dirs.data,
    workspace: dirs.ws,
    config,
    env: { PATH: process.env.PATH, HOME: dirs.userHome },
    userHome: dirs.userHome,
    provider,
    resolveHost: async () => ['203.0.113.7'],
    ...options.runtime,
  });
  const events: RuntimeEvent[] = [];
  const asked: ApprovalRequest[] = [];
  const r: TestRig = {
    dirs,
    server,
    runtime,
    config,
    events,
    asked,
    answer: () => 'leave',
    of: (type) => events.filter((e): e is Extract<RuntimeEvent, { type: typeof type }> => e.type === type),
    async close() {
      await runtime.close().catch(() => undefined);
      if (options.reuse !== undefined) return;
      await server.close();
      await rm(dirs.root, { recursive: true, force: true });
    },
  };
  runtime.subscribe((event) => {
    events.push(event);
    if (event.type !== 'approval_requested') return;
    asked.push(event.request);
    const answer = r.answer(event.request);
    if (answer === 'leave') return;
    // On a later tick, as a frontend would.
    setImmediate(() => {
      runtime.approvals.answer(event.request.id, answer, HUMAN).catch(() => undefined);
    });
  });
  return r;
}

/** Approve everything once. */
export const allowOnce: Answerer = () => ({ decision: 'allow_once' });

/** Resolves when `predicate` holds, polling (for conditions without an event). */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
