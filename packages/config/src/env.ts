import { setPath } from './object-path.js';
import type { ConfigLayer, Provider } from './schema.js';
import { validateLayer } from './validate.js';

/** One environment variable the env layer reads. */
export interface EnvVariable {
  readonly name: string;
  /** The config key it sets. */
  readonly path: string;
  readonly type: 'string' | 'integer' | 'usd';
  /** For the SDKs' own variables: applied only when the resolved provider is one of these. */
  readonly providers?: readonly Provider[];
}

/**
 * Every environment variable Astrid reads as config, in the order applied: the SDKs'
 * variables first, so an `ASTRID_*` variable for the same key wins. Any other `ASTRID_*`
 * variable is ignored (`ASTRID_HOME` selects the data dir and is not a config key).
 */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  { name: 'ANTHROPIC_API_KEY', path: 'model.api_key', type: 'string', providers: ['anthropic'] },
  { name: 'ANTHROPIC_BASE_URL', path: 'model.base_url', type: 'string', providers: ['anthropic'] },
  { name: 'OPENAI_API_KEY', path: 'model.api_key', type: 'string', providers: ['openai'] },
  { name: 'OPENAI_BASE_URL', path: 'model.base_url', type: 'string', providers: ['openai'] },
  { name: 'ASTRID_PROVIDER', path: 'model.provider', type: 'string' },
  { name: 'ASTRID_PRESET', path: 'model.preset', type: 'string' },
  { name: 'ASTRID_MODEL', path: 'model.model', type: 'string' },
  { name: 'ASTRID_BASE_URL', path: 'model.base_url', type: 'string' },
  { name: 'ASTRID_API_KEY', path: 'model.api_key', type: 'string' },
  { name: 'ASTRID_MAX_TOKENS', path: 'model.max_tokens', type: 'integer' },
  { name: 'ASTRID_WORKSPACE_MODE', path: 'workspace.mode', type: 'string' },
  { name: 'ASTRID_ESCAPE_POLICY', path: 'workspace.escape_policy', type: 'string' },
  { name: 'ASTRID_SESSION_MAX_USD', path: 'budget.session_max_usd', type: 'usd' },
  { name: 'ASTRID_PER_ACTION_MAX_USD', path: 'budget.per_action_max_usd', type: 'usd' },
  { name: 'ASTRID_APPROVAL_TIMEOUT_SECONDS', path: 'approval.timeout_seconds', type: 'integer' },
  { name: 'ASTRID_BASH_SANDBOX', path: 'tools.bash.sandbox', type: 'string' },
  { name: 'ASTRID_BASH_TIMEOUT_SECONDS', path: 'tools.bash.timeout_seconds', type: 'integer' },
];

// Only plain decimal text becomes a number; anything else stays a string so the schema
// reports "expected an integer, got a string" instead of guessing.
function convert(text: string, type: EnvVariable['type']): unknown {
  if (type === 'integer' && /^-?\d{1,16}$/.test(text)) return Number(text);
  if (type === 'usd' && /^\d{1,10}(\.\d{1,6})?$/.test(text)) return Number(text);
  return text;
}

/** The variables of {@link ENV_VARIABLES} set (non-empty) in `env` and applicable to `provider`. */
export function envVariablesIn(
  env: Readonly<Record<string, string | undefined>>,
  provider: Provider,
): EnvVariable[] {
  return ENV_VARIABLES.filter((v) => {
    const value = env[v.name];
    return (
      value !== undefined && value !== '' && (v.providers === undefined || v.providers.includes(provider))
    );
  });
}

/**
 * The env layer. `provider` is the provider the other layers resolve to (an
 * `ASTRID_PROVIDER` included), which decides whether the SDK variables apply. Each
 * variable is validated on its own so an error names it.
 */
export function envLayer(env: Readonly<Record<string, string | undefined>>, provider: Provider): ConfigLayer {
  const raw: Record<string, unknown> = {};
  for (const variable of envVariablesIn(env, provider)) {
    const single: Record<string, unknown> = {};
    setPath(single, variable.path, convert(env[variable.name] ?? '', variable.type));
    validateLayer(single, `environment variable ${variable.name}`);
    setPath(raw, variable.path, convert(env[variable.name] ?? '', variable.type));
  }
  return validateLayer(raw, 'environment');
}
