import {
  builtInDefaults,
  DEFAULT_BLOCKED_COMMANDS,
  DEFAULT_DENIED_HOSTS,
  DEFAULT_DENIED_PATHS,
} from './defaults.js';

function str(value: string): string {
  // JSON string escapes are valid TOML basic-string escapes.
  return JSON.stringify(value);
}

function int(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, '_');
}

function commentList(values: readonly string[]): string {
  return values.map((v) => `#   ${v}`).join('\n');
}

/**
 * A commented user config (`$ASTRID_HOME/config.toml`) that, loaded as the user layer,
 * resolves to exactly the built-in defaults. `astrid chat` writes it on first run.
 */
export function renderDefaultUserConfig(): string {
  const d = builtInDefaults();
  const p = d.security.policy;
  return `# Astrid user config. Layers, lowest first: built-in defaults, /etc/astrid/config.toml
# (admin), this file, <workspace>/.astrid/config.toml, ASTRID_* environment, flags.
# The admin file is a floor: nothing here can loosen what it sets. Every value below is
# the built-in default.

[model]
# "anthropic" | "openai" | "openai-compatible" | "zai"
provider = ${str(d.model.provider)}
model = ${str(d.model.model)}
max_tokens = ${int(d.model.max_tokens)}
# For provider = "openai-compatible": "ollama" | "vllm" | "llamacpp" (sets a local base_url).
# preset = "ollama"
# base_url = "https://..."
# The key is better left to ANTHROPIC_API_KEY / OPENAI_API_KEY / ASTRID_API_KEY.
# api_key = "..."

[model.pricing]
# Integer micro-dollars per million tokens: 3_000_000 is $3 per million. These are the
# default model's prices; set them when you change the model, or the budget is wrong.
input_micro_usd_per_mtok = ${int(d.model.pricing.input_micro_usd_per_mtok)}
output_micro_usd_per_mtok = ${int(d.model.pricing.output_micro_usd_per_mtok)}
cache_read_micro_usd_per_mtok = ${int(d.model.pricing.cache_read_micro_usd_per_mtok)}
cache_write_micro_usd_per_mtok = ${int(d.model.pricing.cache_write_micro_usd_per_mtok)}

# Prices of other models a session may pick (astrid chat --model ...). With a budget limit,
# a model with no price here is refused: its cost could not be counted.
# [model.prices."claude-haiku-4-5"]
# input_micro_usd_per_mtok = 1_000_000
# output_micro_usd_per_mtok = 5_000_000
# cache_read_micro_usd_per_mtok = 100_000
# cache_write_micro_usd_per_mtok = 1_250_000

[workspace]
# "safe" asks for everything; "guided" auto-allows reads in the workspace; "autonomous"
# auto-allows file actions in the workspace. Commands always need allowed_commands.
mode = ${str(d.workspace.mode)}
# Outside the workspace: "ask" or "deny".
escape_policy = ${str(d.workspace.escape_policy)}
# Paths inside the workspace that are never allowed (glob patterns).
never_allow = []

[security]
# Hex ed25519 public keys whose capability tokens are accepted besides Astrid's own.
trusted_keys = []

[security.policy]
# Deny-lists only ever grow: entries here are added to the built-in ones, which are:
# blocked_commands:
${commentList(DEFAULT_BLOCKED_COMMANDS)}
# denied_paths (plus $ASTRID_HOME/**):
${commentList(DEFAULT_DENIED_PATHS)}
# denied_hosts:
${commentList(DEFAULT_DENIED_HOSTS)}
blocked_commands = []
denied_paths = []
denied_hosts = []
# argv patterns that run without asking.
allowed_commands = []
# Restrictions: when set, only these paths / hosts may be touched at all.
# allowed_paths = ["/home/me/projects/**"]
# allowed_hosts = ["api.github.com"]
max_argument_bytes = ${int(p.max_argument_bytes)}
# Once untrusted content (tool output, web pages) is in a session, never auto-run
# commands or network requests.
escalate_after_untrusted = ${p.escalate_after_untrusted}

[budget]
# US dollars.
session_max_usd = ${d.budget.session_max_usd}
per_action_max_usd = ${d.budget.per_action_max_usd}
# workspace_max_usd = 50
warn_at_percent = ${d.budget.warn_at_percent}

[budget.action_costs]
# USD charged per action of a kind (LLM requests are priced from [model.pricing]).
# network_request = 0.001

[approval]
timeout_seconds = ${int(d.approval.timeout_seconds)}
# Lifetime of an "Allow Always" token.
allow_always_ttl_seconds = ${int(d.approval.allow_always_ttl_seconds)}
# Seconds to cancel an auto-applied high-risk action; 0 disables.
countdown_seconds = ${d.approval.countdown_seconds}

[audit]
checkpoint_every = ${d.audit.checkpoint_every}
checkpoint_seconds = ${d.audit.checkpoint_seconds}

[tools.bash]
timeout_seconds = ${d.tools.bash.timeout_seconds}
# "auto" (bubblewrap when available) | "bwrap" (required) | "none"
sandbox = ${str(d.tools.bash.sandbox)}

[subagents]
max_depth = ${d.subagents.max_depth}
max_concurrent = ${d.subagents.max_concurrent}
max_turns = ${d.subagents.max_turns}
`;
}
