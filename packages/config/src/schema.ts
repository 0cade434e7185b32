import { ActionKindSchema } from '@astrid/core';
import { z } from 'zod';

/**
 * The one schema every config layer is validated against: a TOML file, the environment
 * layer and the caller's flags. Every table is strict (an unknown key is an error, not a
 * silently ignored typo) and every key is optional (a layer sets only what it changes).
 * Adding a section means adding its table here and its rows to the merge table.
 */

/** LLM providers Astrid can talk to. */
export const PROVIDERS = ['anthropic', 'openai', 'openai-compatible', 'zai'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Presets for `provider = "openai-compatible"`: each supplies a default `base_url`. */
export const PRESETS = ['ollama', 'vllm', 'llamacpp'] as const;
export type Preset = (typeof PRESETS)[number];

/** Workspace modes, least restrictive first. */
export const WORKSPACE_MODES = ['autonomous', 'guided', 'safe'] as const;
export type WorkspaceMode = (typeof WORKSPACE_MODES)[number];

/** What happens to an action outside the workspace, least restrictive first. */
export const ESCAPE_POLICIES = ['ask', 'deny'] as const;
export type EscapePolicy = (typeof ESCAPE_POLICIES)[number];

/** Sandboxing of shell commands, least restrictive first. */
export const BASH_SANDBOXES = ['none', 'auto', 'bwrap'] as const;
export type BashSandbox = (typeof BASH_SANDBOXES)[number];

/** Largest config file read, in bytes; anything bigger is refused before parsing. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Largest USD amount accepted, so the micro-dollar integer stays exact. */
export const MAX_USD = 1_000_000_000;

// A pattern or name in a list: non-empty, no NUL (a NUL would truncate in C APIs the
// matcher may hand it to), bounded so a list cannot smuggle megabytes per entry.
const ListEntry = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !s.includes('\0'), 'expected no NUL byte');
const List = z.array(ListEntry).max(10_000);

const PositiveInt = z.number().int().min(1);
const Seconds = z.number().int().min(1).max(31_536_000);
const Usd = z.number().min(0).max(MAX_USD);
const MicroUsd = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const PricingSchema = z.strictObject({
  input_micro_usd_per_mtok: MicroUsd.optional(),
  output_micro_usd_per_mtok: MicroUsd.optional(),
  cache_read_micro_usd_per_mtok: MicroUsd.optional(),
  cache_write_micro_usd_per_mtok: MicroUsd.optional(),
});

const ModelSchema = z.strictObject({
  provider: z.enum(PROVIDERS).optional(),
  preset: z.enum(PRESETS).optional(),
  model: z.string().min(1).max(256).optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  api_key: z.string().min(1).max(4096).optional(),
  max_tokens: z.number().int().min(1).max(10_000_000).optional(),
  pricing: PricingSchema.optional(),
  /**
   * Prices of other models, by model name, for sessions that pick one (`session.create`).
   * All four rates are required: a missing rate would count as free and undercount the budget.
   */
  prices: z.record(z.string().min(1).max(256), PricingSchema.required()).optional(),
});

const WorkspaceSchema = z.strictObject({
  mode: z.enum(WORKSPACE_MODES).optional(),
  escape_policy: z.enum(ESCAPE_POLICIES).optional(),
  never_allow: List.optional(),
});

const PolicySchema = z.strictObject({
  blocked_commands: List.optional(),
  allowed_commands: List.optional(),
  denied_paths: List.optional(),
  allowed_paths: List.optional(),
  denied_hosts: List.optional(),
  allowed_hosts: List.optional(),
  max_argument_bytes: PositiveInt.optional(),
  escalate_after_untrusted: z.boolean().optional(),
});

const SecuritySchema = z.strictObject({
  policy: PolicySchema.optional(),
  // Ed25519 public keys (64 hex chars) whose capability tokens are accepted besides the
  // runtime's own key.
  trusted_keys: z
    .array(z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (an ed25519 public key)'))
    .max(1000)
    .optional(),
});

const BudgetSchema = z.strictObject({
  session_max_usd: Usd.optional(),
  per_action_max_usd: Usd.optional(),
  workspace_max_usd: Usd.optional(),
  warn_at_percent: z.number().int().min(0).max(100).optional(),
  action_costs: z.partialRecord(ActionKindSchema, Usd).optional(),
});

const ApprovalSchema = z.strictObject({
  timeout_seconds: Seconds.optional(),
  allow_always_ttl_seconds: Seconds.optional(),
  countdown_seconds: z.number().int().min(0).max(3600).optional(),
});

const AuditSchema = z.strictObject({
  checkpoint_every: PositiveInt.max(1_000_000).optional(),
  checkpoint_seconds: z.number().positive().max(86_400).optional(),
});

const BashSchema = z.strictObject({
  timeout_seconds: Seconds.optional(),
  sandbox: z.enum(BASH_SANDBOXES).optional(),
});

const ToolsSchema = z.strictObject({ bash: BashSchema.optional() });

const SubagentsSchema = z.strictObject({
  max_depth: z.number().int().min(0).max(100).optional(),
  max_concurrent: z.number().int().min(0).max(1000).optional(),
  max_turns: PositiveInt.max(100_000).optional(),
});

/** The schema of one config layer (a TOML file, the environment, or flags). */
export const ConfigLayerSchema = z.strictObject({
  model: ModelSchema.optional(),
  workspace: WorkspaceSchema.optional(),
  security: SecuritySchema.optional(),
  budget: BudgetSchema.optional(),
  approval: ApprovalSchema.optional(),
  audit: AuditSchema.optional(),
  tools: ToolsSchema.optional(),
  subagents: SubagentsSchema.optional(),
});

/** One validated config layer: every key optional. */
export type ConfigLayer = z.infer<typeof ConfigLayerSchema>;

/**
 * Top-level tables that later issues add and that only the user (or admin) may set:
 * a workspace file naming one is refused even before its schema exists, so an agent
 * cannot pre-plant `[servers]` or `[hooks]` waiting for the feature to land.
 */
export const USER_ONLY_SECTIONS = ['servers', 'telegram', 'daemon', 'capsules', 'hooks'] as const;
