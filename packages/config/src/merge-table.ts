import type { MergeRuleName } from './merge-rules.js';

/** One row of the merge table: a key path (dotted, as in TOML) and how it merges. */
export interface MergeRow {
  readonly path: string;
  readonly rule: MergeRuleName;
}

/**
 * How every key merges across layers, one row per key. A test checks that every leaf of
 * {@link ConfigLayerSchema} has exactly one row, that each row behaves as its rule says,
 * and that the README's table lists the same rows. Adding a section is adding its schema
 * and its rows here.
 */
export const MERGE_TABLE: readonly MergeRow[] = [
  // [model]: where the conversation goes, with whose key, at what price. Not policy, and
  // a workspace choosing the provider or model could send the session elsewhere or make
  // the budget's prices wrong, so only `max_tokens` (a limit) is open to the workspace.
  { path: 'model.provider', rule: 'user-only' },
  { path: 'model.preset', rule: 'user-only' },
  { path: 'model.model', rule: 'user-only' },
  { path: 'model.base_url', rule: 'user-only' },
  { path: 'model.api_key', rule: 'user-only' },
  { path: 'model.max_tokens', rule: 'min' },
  { path: 'model.pricing.input_micro_usd_per_mtok', rule: 'user-only' },
  { path: 'model.pricing.output_micro_usd_per_mtok', rule: 'user-only' },
  { path: 'model.pricing.cache_read_micro_usd_per_mtok', rule: 'user-only' },
  { path: 'model.pricing.cache_write_micro_usd_per_mtok', rule: 'user-only' },
  { path: 'model.prices', rule: 'user-only' },
  // [workspace]
  { path: 'workspace.mode', rule: 'toward-safe-mode' },
  { path: 'workspace.escape_policy', rule: 'toward-deny' },
  { path: 'workspace.never_allow', rule: 'union' },
  // [security.policy]: the admin hard limits.
  { path: 'security.policy.blocked_commands', rule: 'union' },
  { path: 'security.policy.allowed_commands', rule: 'intersect' },
  { path: 'security.policy.denied_paths', rule: 'union' },
  { path: 'security.policy.allowed_paths', rule: 'intersect' },
  { path: 'security.policy.denied_hosts', rule: 'union' },
  { path: 'security.policy.allowed_hosts', rule: 'intersect' },
  { path: 'security.policy.max_argument_bytes', rule: 'min' },
  { path: 'security.policy.escalate_after_untrusted', rule: 'only-enable' },
  // Trusting another key widens who can mint tokens: never from a workspace file.
  { path: 'security.trusted_keys', rule: 'user-only' },
  // [budget]
  { path: 'budget.session_max_usd', rule: 'min' },
  { path: 'budget.per_action_max_usd', rule: 'min' },
  { path: 'budget.workspace_max_usd', rule: 'min' },
  // Warning earlier (a lower percentage) is the safer direction.
  { path: 'budget.warn_at_percent', rule: 'min' },
  { path: 'budget.action_costs', rule: 'max-per-key' },
  // [approval]: a shorter timeout expires requests sooner (expired never runs).
  { path: 'approval.timeout_seconds', rule: 'min' },
  { path: 'approval.allow_always_ttl_seconds', rule: 'min' },
  { path: 'approval.countdown_seconds', rule: 'max' },
  // [audit]: checkpoints more often bound the truncation window tighter.
  { path: 'audit.checkpoint_every', rule: 'min' },
  { path: 'audit.checkpoint_seconds', rule: 'min' },
  // [tools.bash]
  { path: 'tools.bash.timeout_seconds', rule: 'min' },
  { path: 'tools.bash.sandbox', rule: 'toward-sandbox' },
  // [subagents]
  { path: 'subagents.max_depth', rule: 'min' },
  { path: 'subagents.max_concurrent', rule: 'min' },
  { path: 'subagents.max_turns', rule: 'min' },
];

/** The merge-table row for `path`, or undefined. */
export function mergeRowFor(path: string): MergeRow | undefined {
  return MERGE_TABLE.find((row) => row.path === path);
}
