import { promises as fs } from 'node:fs';
import { builtInDefaults } from './defaults.js';
import { envLayer } from './env.js';
import { finalizeConfig } from './finalize.js';
import { type LayerInput, mergeLayers } from './merge.js';
import { deepFreeze } from './object-path.js';
import { type ConfigLocationOptions, configFilePaths, resolveHome } from './paths.js';
import { type ConfigFileReader, parseToml, readConfigFile, readConfigText } from './read.js';
import { type ConfigLayer, PROVIDERS, type Provider } from './schema.js';
import type { ConfigFileInfo, ConfigWarning, LoadedConfig } from './types.js';
import { validateLayer } from './validate.js';

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions extends ConfigLocationOptions {
  /** The highest layer: settings from command-line flags, shaped like a config file. */
  flags?: unknown;
  /** Reads a config file; injectable to test read faults. */
  readFile?: ConfigFileReader;
}

async function realpathOr(path: string): Promise<string> {
  try {
    return await fs.realpath(path);
  } catch {
    return path;
  }
}

/**
 * `$ASTRID_HOME/**` for the data dir as given and, when it is reached through a symlink,
 * its real path too: the matcher (#3) compares real paths, and the agent must not reach
 * the keys or the daemon token by either name.
 */
async function homeDenials(home: string): Promise<string[]> {
  const real = await realpathOr(home);
  return real === home ? [`${home}/**`] : [`${home}/**`, `${real}/**`];
}

// The provider the env layer's SDK variables are matched against: the highest layer that
// names one (an invalid ASTRID_PROVIDER is reported by the env layer itself).
function effectiveProvider(
  layers: readonly LayerInput[],
  env: Readonly<Record<string, string | undefined>>,
  flags: ConfigLayer | undefined,
): Provider {
  const fromEnv = env.ASTRID_PROVIDER;
  const envProvider = PROVIDERS.find((p) => p === fromEnv);
  let provider: Provider = 'anthropic';
  for (const layer of layers) provider = layer.values.model?.provider ?? provider;
  return flags?.model?.provider ?? envProvider ?? provider;
}

/**
 * Loads the layered config: built-in defaults, admin file, user file, workspace file,
 * environment, flags. Every layer is validated before anything merges; any unreadable,
 * oversized, malformed or invalid layer rejects the whole load (no partial config).
 * Returns the resolved, deeply frozen config with provenance and warnings.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const home = resolveHome(options);
  const reader = options.readFile ?? readConfigFile;
  const candidates = configFilePaths(options);
  const layers: LayerInput[] = [];
  const files: ConfigFileInfo[] = [];
  const warnings: ConfigWarning[] = [];

  const trustedReal = await Promise.all(
    candidates.filter((f) => f.layer !== 'workspace').map((f) => realpathOr(f.path)),
  );
  for (const file of candidates) {
    const text = await readConfigText(file.path, reader);
    files.push({ ...file, exists: text !== undefined });
    if (text === undefined) continue;
    if (file.layer === 'workspace' && trustedReal.includes(await realpathOr(file.path))) {
      // The workspace's config file is the user's (or admin's) own: it already applied
      // with full trust, and re-reading it as a workspace file would reject its API key.
      warnings.push({
        layer: 'workspace',
        source: file.path,
        path: '',
        message: 'the workspace config file is also the user or admin config; not applied twice',
      });
      continue;
    }
    const raw = parseToml(text, file.path);
    const values = validateLayer(raw, file.path, { workspace: file.layer === 'workspace' });
    layers.push({ layer: file.layer, source: file.path, values });
  }

  const flags = options.flags === undefined ? undefined : validateLayer(options.flags, 'flags');
  layers.push({
    layer: 'env',
    source: 'environment',
    values: envLayer(env, effectiveProvider(layers, env, flags)),
  });
  if (flags !== undefined) layers.push({ layer: 'flags', source: 'flags', values: flags });

  const merged = mergeLayers(builtInDefaults(await homeDenials(home)), layers);
  warnings.push(...merged.warnings);
  const config = finalizeConfig(merged.values, merged.provenance, warnings);
  return deepFreeze({ config, provenance: merged.provenance, warnings, files, home });
}
