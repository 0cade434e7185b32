import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  AllowanceStore,
  ApprovalBroker,
  type BudgetEvent,
  type BudgetLimits,
  type EpochSource,
  type HostResolver,
  type InterceptorEvent,
} from '@astrid/approval';
import { AuditLog } from '@astrid/audit';
import { CapabilityStore, TrustedKeys } from '@astrid/capabilities';
import type { AstridConfig, ModelPricing } from '@astrid/config';
import { RuntimeKeyRing } from '@astrid/crypto';
import { createProvider, type Env, type LlmProvider, type ProviderOptions } from '@astrid/llm';
import { resolveSandbox, type SandboxResolution, type SandboxSetting } from '@astrid/sandbox';
import { type Database, LevelDatabase } from '@astrid/storage';
import { ProcessTracker, type Tool } from '@astrid/tools';
import { ApprovalCarryOver } from './carry-over.js';
import { DEMO_PRICING, DemoProvider } from './demo-provider.js';
import type { SessionHost } from './host.js';
import { SessionStore } from './record.js';
import { openScope, type ScopeShared, type WorkspaceScope } from './scope.js';
import { SessionLlms } from './session-llm.js';

/** Options of `Runtime.open`. */
export interface RuntimeOptions {
  /** The data dir (`ASTRID_HOME`): database, keys. */
  readonly home: string;
  /** The workspace root the agent works in (sessions that ask for none). */
  readonly workspace: string;
  /** The resolved config (`loadConfig(...).config`) for `workspace`. */
  readonly config: AstridConfig;
  /**
   * The resolved config for another workspace a session asks for (`loadConfig` with that
   * workspace's layer, which can only tighten). Without it, sessions can only work in
   * `workspace`. A rejection refuses the session (an invalid workspace config: fail closed).
   */
  readonly workspaceConfig?: (root: string) => Promise<AstridConfig>;
  /**
   * The tools of one session, called once per session and sub-agent. Default: the 8
   * built-ins of `@astrid/tools`, with the runtime's process tracker and `[tools.bash]`.
   */
  readonly tools?: (processes: ProcessTracker) => readonly Tool[];
  /** Environment for the provider's keys; default `process.env`. */
  readonly env?: Env;
  /** What `~` means for the workspace and policy; default `env.HOME`, else the OS home. */
  readonly userHome?: string;
  /** The LLM; default `createProvider(config.model, env, providerOptions)`. */
  readonly provider?: LlmProvider;
  readonly providerOptions?: ProviderOptions;
  /** Prices for the budget; default `config.model.pricing` (zero for the demo provider). */
  readonly pricing?: ModelPricing;
  readonly now?: () => number;
  /** Most model requests in one turn of a top-level session (default 50). */
  readonly maxTurns?: number;
  /** Context window in characters before older turns are compacted (default 400 000, ~100k tokens). */
  readonly contextChars?: number;
  /** DNS for the policy's host checks (tests inject one). */
  readonly resolveHost?: HostResolver;
  /**
   * How commands are sandboxed: a resolution made once at daemon start (`resolveSandbox`),
   * or a setting to resolve now; default `[tools.bash] sandbox` from config. The same
   * decision feeds the bash tool, the approval cards ("not sandboxed") and `daemon.status`.
   */
  readonly sandbox?: SandboxSetting | SandboxResolution;
  /** The kill-switch epoch (a lockdown bumps it and voids every Authorization); default: fixed 0. */
  readonly epochs?: EpochSource;
  /** True while the kill switch is engaged: every action is denied. */
  readonly lockedDown?: () => boolean;
  /**
   * Wraps every provider the runtime builds for a session that asked for another model (the
   * gateway's kill-switch gate); the default `provider` is passed already wrapped.
   */
  readonly wrapProvider?: (provider: LlmProvider) => LlmProvider;
  /** Wraps the database (tests inject faults or count writes). */
  readonly wrapDb?: (db: Database) => Database;
}

/** What the runtime keeps of the wiring. */
export interface Wiring {
  readonly level: LevelDatabase;
  /** The config of the default workspace (audit, sub-agent and approval settings). */
  readonly config: AstridConfig;
  readonly maxTurns: number;
  readonly processes: ProcessTracker;
  /** The runtime's signing key (audit checkpoints, tokens): rotate it here and nowhere else. */
  readonly keys: RuntimeKeyRing;
  /** What every workspace's scope is built from. */
  readonly shared: ScopeShared;
  /** The default workspace's scope (`options.workspace`). */
  readonly scope: WorkspaceScope;
  readonly workspaceConfig?: (root: string) => Promise<AstridConfig>;
}

/** The shared parts sessions use, before the runtime adds its own callbacks and a workspace's parts. */
export type HostParts = Omit<
  SessionHost,
  'events' | 'runSubagent' | 'forget' | 'elicitations' | 'boundary' | 'createTools' | 'recheckPolicy'
>;

/** Where budget and interceptor events go once the runtime exists. */
export interface EventRelay {
  budget(event: BudgetEvent): void;
  interceptor(event: InterceptorEvent): void;
}

/**
 * Opens and wires everything on the data dir: the database, key ring, audit log (approval
 * events audited), capability store, approval broker, allowances, the provider, and the scope
 * of the default workspace (boundary, policy, budget, interceptor settings, sandbox, tools).
 * Closes the database again if anything fails.
 */
export async function openWiring(
  options: RuntimeOptions,
  relay: EventRelay,
): Promise<{ wiring: Wiring; host: HostParts }> {
  const { config } = options;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const userHome = options.userHome ?? env.HOME ?? homedir();
  const provider = options.provider ?? createProvider(config.model, env, options.providerOptions);
  const level = await LevelDatabase.open(options.home);
  try {
    const db = options.wrapDb ? options.wrapDb(level) : level;
    const keys = await RuntimeKeyRing.openOrCreate(join(options.home, 'keys'));
    const audit = await AuditLog.open({
      db,
      signer: keys,
      now,
      checkpointEvery: config.audit.checkpoint_every,
      checkpointSeconds: config.audit.checkpoint_seconds,
    });
    const capabilities = await CapabilityStore.open({
      db,
      signer: keys,
      trustedKeys: TrustedKeys.fromKeyRing(keys, config.security.trusted_keys),
      now,
    });
    const approvals = await ApprovalBroker.open(db, {
      now,
      audit: async (kind, request) =>
        (
          await audit.append({
            kind,
            principal: request.principal,
            sessionId: request.session,
            action: request.action,
            details: {
              approvalId: request.id,
              state: request.state,
              ...(request.decidedBy?.connection === undefined
                ? {}
                : { connection: request.decidedBy.connection }),
            },
          })
        ).id,
    });
    const allowances = await AllowanceStore.open(db);
    const processes = new ProcessTracker();
    const pricing =
      options.pricing ?? (provider instanceof DemoProvider ? DEMO_PRICING : config.model.pricing);
    // One sandbox decision per setting: the daemon's (made at start, shown in daemon.status)
    // for its own setting; a workspace that tightens it (toward bwrap) gets its own probe.
    const sandboxes = new Map<SandboxSetting, Promise<SandboxResolution>>();
    const given = options.sandbox ?? config.tools.bash.sandbox;
    const first = typeof given === 'string' ? resolveSandbox(given) : Promise.resolve(given);
    sandboxes.set(typeof given === 'string' ? given : given.setting, first);
    const shared: ScopeShared = {
      home: options.home,
      userHome,
      env,
      base: {
        tokens: capabilities,
        approvals,
        allowances,
        audit,
        epochs: options.epochs ?? { current: () => 0 },
        ...(options.lockedDown === undefined ? {} : { lockedDown: options.lockedDown }),
        now,
        onEvent: (e) => relay.interceptor(e),
      },
      processes,
      ...(options.tools === undefined ? {} : { tools: options.tools }),
      ...(options.resolveHost === undefined ? {} : { resolveHost: options.resolveHost }),
      onBudget: (e) => relay.budget(e),
      sandboxFor: (setting) => {
        let resolution = sandboxes.get(setting);
        if (resolution === undefined) {
          resolution = resolveSandbox(setting);
          sandboxes.set(setting, resolution);
        }
        return resolution;
      },
      // The model is the user's choice (user-only keys): the default config's for every
      // workspace; only the budget limits that refuse an unpriced model are the workspace's.
      llms: (limits: BudgetLimits) =>
        new SessionLlms({
          config,
          env,
          provider,
          pricing,
          limits,
          ...(options.providerOptions === undefined ? {} : { providerOptions: options.providerOptions }),
          ...(options.wrapProvider === undefined ? {} : { wrap: options.wrapProvider }),
        }),
    };
    const scope = await openScope(shared, options.workspace, config);
    return {
      wiring: {
        level,
        config,
        maxTurns: options.maxTurns ?? 50,
        processes,
        keys,
        shared,
        scope,
        ...(options.workspaceConfig === undefined ? {} : { workspaceConfig: options.workspaceConfig }),
      },
      host: {
        provider,
        pricing,
        maxOutputTokens: config.model.max_tokens,
        approvals,
        audit,
        capabilities,
        allowances,
        store: new SessionStore(db),
        carryOver: new ApprovalCarryOver(approvals),
        contextChars: options.contextChars ?? 400_000,
        now,
      },
    };
  } catch (err) {
    await level.close().catch(() => undefined);
    throw err;
  }
}
