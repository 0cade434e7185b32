import type { ActionKind } from '@astrid/core';
import type { BashSandbox, EscapePolicy, Preset, Provider, WorkspaceMode } from './schema.js';

/** The config layers, lowest precedence first. */
export const LAYER_NAMES = ['defaults', 'admin', 'user', 'workspace', 'env', 'flags'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** Prices in integer micro-dollars per million tokens (`3_000_000` = $3 per million). */
export interface ModelPricing {
  readonly input_micro_usd_per_mtok: number;
  readonly output_micro_usd_per_mtok: number;
  readonly cache_read_micro_usd_per_mtok: number;
  readonly cache_write_micro_usd_per_mtok: number;
}

/** `[model]`: which LLM to call and what it costs. */
export interface ModelConfig {
  readonly provider: Provider;
  readonly preset: Preset | undefined;
  readonly model: string;
  /** Set, or filled from the preset for `openai-compatible`; otherwise the SDK's default. */
  readonly base_url: string | undefined;
  readonly api_key: string | undefined;
  readonly max_tokens: number;
  readonly pricing: ModelPricing;
  /** Prices of other models by name (`[model.prices."<model>"]`), for per-session models. */
  readonly prices: Readonly<Record<string, ModelPricing>>;
}

/** `[workspace]`: how much the agent may do without asking. */
export interface WorkspaceConfig {
  readonly mode: WorkspaceMode;
  readonly escape_policy: EscapePolicy;
  readonly never_allow: readonly string[];
}

/**
 * `[security.policy]`: the admin hard limits. Deny-lists are patterns that always deny.
 * `allowed_commands` lists argv patterns that may run without asking (empty: none).
 * `allowed_paths` and `allowed_hosts` are restrictions: `undefined` means no restriction
 * beyond the deny-lists; a list (even empty) means only these may be touched at all.
 */
export interface PolicyConfig {
  readonly blocked_commands: readonly string[];
  readonly allowed_commands: readonly string[];
  readonly denied_paths: readonly string[];
  readonly allowed_paths: readonly string[] | undefined;
  readonly denied_hosts: readonly string[];
  readonly allowed_hosts: readonly string[] | undefined;
  readonly max_argument_bytes: number;
  readonly escalate_after_untrusted: boolean;
}

/** `[security]`. */
export interface SecurityConfig {
  readonly policy: PolicyConfig;
  /** Hex ed25519 public keys whose tokens are accepted besides the runtime's own. */
  readonly trusted_keys: readonly string[];
}

/**
 * `[budget]`: USD as written in TOML, plus the same amounts in integer micro-dollars.
 * Enforcement reads only the `_micro_usd` fields (no float arithmetic on money).
 */
export interface BudgetConfig {
  readonly session_max_usd: number;
  readonly per_action_max_usd: number;
  readonly workspace_max_usd: number | undefined;
  readonly warn_at_percent: number;
  readonly action_costs: Readonly<Partial<Record<ActionKind, number>>>;
  readonly session_max_micro_usd: number;
  readonly per_action_max_micro_usd: number;
  readonly workspace_max_micro_usd: number | undefined;
  readonly action_costs_micro_usd: Readonly<Partial<Record<ActionKind, number>>>;
}

/** `[approval]`. */
export interface ApprovalConfig {
  readonly timeout_seconds: number;
  readonly allow_always_ttl_seconds: number;
  readonly countdown_seconds: number;
}

/** `[audit]`. */
export interface AuditConfig {
  readonly checkpoint_every: number;
  readonly checkpoint_seconds: number;
}

/** `[tools.bash]`. */
export interface BashConfig {
  readonly timeout_seconds: number;
  readonly sandbox: BashSandbox;
}

/** `[subagents]`. */
export interface SubagentsConfig {
  readonly max_depth: number;
  readonly max_concurrent: number;
  readonly max_turns: number;
}

/** The resolved config: every key set, validated, deeply frozen. */
export interface AstridConfig {
  readonly model: ModelConfig;
  readonly workspace: WorkspaceConfig;
  readonly security: SecurityConfig;
  readonly budget: BudgetConfig;
  readonly approval: ApprovalConfig;
  readonly audit: AuditConfig;
  readonly tools: { readonly bash: BashConfig };
  readonly subagents: SubagentsConfig;
}

/** Something the loader changed or ignored that the user should hear about. */
export interface ConfigWarning {
  readonly layer: LayerName;
  /** The file path, `environment` or `flags`. */
  readonly source: string;
  /** Dotted key path, e.g. `workspace.mode`. */
  readonly path: string;
  readonly message: string;
}

/** One config file the loader considers. */
export interface ConfigFileInfo {
  readonly layer: 'admin' | 'user' | 'workspace';
  readonly path: string;
  readonly exists: boolean;
}

/** What {@link loadConfig} returns. */
export interface LoadedConfig {
  readonly config: AstridConfig;
  /** For each merge-table key path, the layer that last changed its value. */
  readonly provenance: Readonly<Record<string, LayerName>>;
  readonly warnings: readonly ConfigWarning[];
  readonly files: readonly ConfigFileInfo[];
  /** The resolved data dir (`$ASTRID_HOME`). */
  readonly home: string;
}
