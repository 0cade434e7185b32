import type { Preset } from './schema.js';
import type { AstridConfig, BudgetConfig } from './types.js';

/**
 * Commands blocked in every mode (matched by the policy engine in #3): privilege
 * escalation, machine-wide destruction, and Astrid's own binaries, so an agent can never
 * approve its own requests or edit its own policy through the CLI.
 */
export const DEFAULT_BLOCKED_COMMANDS: readonly string[] = [
  'sudo',
  'su',
  'doas',
  'pkexec',
  'mkfs*',
  'shutdown',
  'reboot',
  'halt',
  'poweroff',
  'rm -rf /',
  'chmod -R 777 /',
  'dd of=/dev/*',
  'astrid',
  'astridd',
  'astrid-telegram',
];

/**
 * Paths denied in every mode. `$ASTRID_HOME/**` is added at load time from the resolved
 * data dir (see {@link builtInDefaults}): the agent must never read the daemon token or
 * keys, nor edit its own config.
 */
export const DEFAULT_DENIED_PATHS: readonly string[] = [
  '/etc/**',
  '/boot/**',
  '/sys/**',
  '/proc/**',
  '/dev/**',
  '~/.ssh/**',
  '~/.gnupg/**',
  '~/.aws/**',
];

/**
 * Hosts denied in every mode: loopback, private, carrier-grade NAT, link-local and cloud
 * metadata, as CIDR ranges or names. The matcher (#3) checks the resolved IP, so a DNS
 * name pointing at 127.0.0.1 is caught by the range, not the name.
 */
export const DEFAULT_DENIED_HOSTS: readonly string[] = [
  'localhost',
  '127.0.0.0/8',
  '::1',
  '0.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fe80::/10',
  'fc00::/7',
  '169.254.169.254',
  'metadata.google.internal',
];

/** The default `base_url` of each OpenAI-compatible preset (their usual local ports). */
export const PRESET_BASE_URLS: Readonly<Record<Preset, string>> = {
  ollama: 'http://127.0.0.1:11434/v1',
  vllm: 'http://127.0.0.1:8000/v1',
  llamacpp: 'http://127.0.0.1:8080/v1',
};

/** The model used when no layer names one; the default pricing is this model's. */
export const DEFAULT_MODEL = 'claude-sonnet-4-5';

/** The budget as merged: USD only; micro-dollar fields are derived afterwards. */
export type MergedBudget = Omit<
  BudgetConfig,
  'session_max_micro_usd' | 'per_action_max_micro_usd' | 'workspace_max_micro_usd' | 'action_costs_micro_usd'
>;

/** The config shape the merge works on: {@link AstridConfig} before derived fields. */
export type MergedConfig = Omit<AstridConfig, 'budget'> & { readonly budget: MergedBudget };

/**
 * The built-in defaults layer. `homeDenials` are the `$ASTRID_HOME/**` patterns for the
 * resolved data dir (its path as given and its real path when they differ).
 */
export function builtInDefaults(homeDenials: readonly string[] = []): MergedConfig {
  return {
    model: {
      provider: 'anthropic',
      preset: undefined,
      model: DEFAULT_MODEL,
      base_url: undefined,
      api_key: undefined,
      max_tokens: 8192,
      pricing: {
        input_micro_usd_per_mtok: 3_000_000,
        output_micro_usd_per_mtok: 15_000_000,
        cache_read_micro_usd_per_mtok: 300_000,
        cache_write_micro_usd_per_mtok: 3_750_000,
      },
      prices: {},
    },
    workspace: { mode: 'guided', escape_policy: 'ask', never_allow: [] },
    security: {
      policy: {
        blocked_commands: [...DEFAULT_BLOCKED_COMMANDS],
        allowed_commands: [],
        denied_paths: [...DEFAULT_DENIED_PATHS, ...homeDenials],
        allowed_paths: undefined,
        denied_hosts: [...DEFAULT_DENIED_HOSTS],
        allowed_hosts: undefined,
        max_argument_bytes: 1024 * 1024,
        escalate_after_untrusted: true,
      },
      trusted_keys: [],
    },
    budget: {
      session_max_usd: 10,
      per_action_max_usd: 2,
      workspace_max_usd: undefined,
      warn_at_percent: 80,
      action_costs: {},
    },
    approval: { timeout_seconds: 600, allow_always_ttl_seconds: 3600, countdown_seconds: 3 },
    audit: { checkpoint_every: 256, checkpoint_seconds: 5 },
    tools: { bash: { timeout_seconds: 120, sandbox: 'auto' } },
    subagents: { max_depth: 3, max_concurrent: 5, max_turns: 50 },
  };
}
