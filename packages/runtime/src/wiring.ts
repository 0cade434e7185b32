import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  AllowanceStore,
  ApprovalBroker,
  type BudgetEvent,
  BudgetLedger,
  type BudgetLimits,
  budgetLimitsFromConfig,
  createPolicyStage,
  type EpochSource,
  type HostResolver,
  type InterceptorDeps,
  type InterceptorEvent,
  interceptorSettingsFromConfig,
  policyRulesFromConfig,
} from '@astrid/approval';
import { AuditLog } from '@astrid/audit';
import { CapabilityStore, TrustedKeys } from '@astrid/capabilities';
import type { AstridConfig, ModelPricing } from '@astrid/config';
import { RuntimeKeyRing } from '@astrid/crypto';
import { createProvider, type Env, type LlmProvider, type ProviderOptions } from '@astrid/llm';
import { resolveSandbox, type SandboxResolution, type SandboxSetting } from '@astrid/sandbox';
import { type Database, LevelDatabase } from '@astrid/storage';
import { builtinTools, ProcessTracker, type Tool, toolList } from '@astrid/tools';
import { WorkspaceBoundary } from '@astrid/workspace';
import { ApprovalCarryOver } from './carry-over.js';
import { DEMO_PRICING, DemoProvider } from './demo-provider.js';
import type { SessionHost } from './host.js';
import { recheckPolicy } from './recheck.js';
import { SessionStore } from './record.js';
import { SessionLlms } from './session-llm.js';

/** Options of `Runtime.open`. */
export interface RuntimeOptions {
  /** The data dir (`ASTRID_HOME`): database, keys. */
  readonly home: string;
  /** The workspace root the agent works in. */
  readonly workspace: string;
  /** The resolved config (`loadConfig(...).config`). */
  readonly config: AstridConfig;
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
  readonly deps: InterceptorDeps;
  readonly limits: BudgetLimits;
  readonly config: AstridConfig;
  readonly maxTurns: number;
  readonly processes: ProcessTracker;
  /** How commands run (for `daemon.status`). */
  readonly sandbox: SandboxResolution;
  /** The runtime's signing key (audit checkpoints, tokens): rotate it here and nowhere else. */
  readonly keys: RuntimeKeyRing;
  /** Per-session providers and models. */
  readonly llms: SessionLlms;
}

/** The shared parts sessions use, before the runtime adds its own callbacks. */
export type HostParts = Omit<SessionHost, 'events' | 'runSubagent' | 'forget' | 'elicitations'>;

/** Where budget and interceptor events go once the runtime exists. */
export interface EventRelay {
  budget(event: BudgetEvent): void;
  interceptor(event: InterceptorEvent): void;
}

/**
 * Opens and wires everything on the data dir: the database, key ring, audit log (approval
 * events audited), capability store, approval broker, allowances, budget ledger, policy stage
 * and interceptor settings from config, the workspace boundary, the provider and the tools.
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
  const boundary = await WorkspaceBoundary.create(options.workspace, {
    home: userHome,
    astridHome: options.home,
    neverAllow: config.workspace.never_allow,
  });
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
    const limits = budgetLimitsFromConfig(config);
    const budget = new BudgetLedger(limits, (e) => relay.budget(e));
    const policyEnv: Record<string, string> = { HOME: userHome, ASTRID_HOME: options.home };
    const policy = createPolicyStage(policyRulesFromConfig(config), {
      home: userHome,
      env: policyEnv,
      ...(options.resolveHost === undefined ? {} : { resolveHost: options.resolveHost }),
    });
    const sandboxSetting = options.sandbox ?? config.tools.bash.sandbox;
    const sandbox =
      typeof sandboxSetting === 'string' ? await resolveSandbox(sandboxSetting) : sandboxSetting;
    const deps: InterceptorDeps = {
      policy,
      boundary,
      tokens: capabilities,
      budget,
      approvals,
      allowances,
      audit,
      epochs: options.epochs ?? { current: () => 0 },
      ...(options.lockedDown === undefined ? {} : { lockedDown: options.lockedDown }),
      settings: interceptorSettingsFromConfig(config, sandbox.sandboxed),
      now,
      onEvent: (e) => relay.interceptor(e),
    };
    const processes = new ProcessTracker();
    const makeTools = options.tools;
    const inheritEnv = { ...env, HOME: userHome };
    const createTools =
      makeTools === undefined
        ? () =>
            toolList(
              builtinTools({
                bash: {
                  processes,
                  inheritEnv,
                  defaultTimeoutMs: config.tools.bash.timeout_seconds * 1000,
                  sandbox: { mode: sandbox, deniedPaths: config.security.policy.denied_paths },
                },
              }),
            )
        : () => makeTools(processes);
    const pricing =
      options.pricing ?? (provider instanceof DemoProvider ? DEMO_PRICING : config.model.pricing);
    const llms = new SessionLlms({
      config,
      env,
      provider,
      pricing,
      limits,
      ...(options.providerOptions === undefined ? {} : { providerOptions: options.providerOptions }),
      ...(options.wrapProvider === undefined ? {} : { wrap: options.wrapProvider }),
    });
    return {
      wiring: {
        level,
        deps,
        limits,
        config,
        maxTurns: options.maxTurns ?? 50,
        processes,
        sandbox,
        keys,
        llms,
      },
      host: {
        provider,
        pricing,
        maxOutputTokens: config.model.max_tokens,
        createTools,
        boundary,
        approvals,
        audit,
        capabilities,
        allowances,
        store: new SessionStore(db),
        carryOver: new ApprovalCarryOver(approvals),
        contextChars: options.contextChars ?? 400_000,
        now,
        recheckPolicy: (action) => recheckPolicy(policy, boundary, action),
      },
    };
  } catch (err) {
    await level.close().catch(() => undefined);
    throw err;
  }
}
