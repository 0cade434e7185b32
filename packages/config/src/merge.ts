import { AstridError } from '@astrid/core';
import type { MergedConfig } from './defaults.js';
import { MERGE_RULES, type MergeRule, sameConfigValue } from './merge-rules.js';
import { MERGE_TABLE, type MergeRow } from './merge-table.js';
import { deepCopy, getPath, setPath } from './object-path.js';
import type { ConfigLayer } from './schema.js';
import { type ConfigWarning, LAYER_NAMES, type LayerName } from './types.js';

/** One validated layer above the defaults, with where it came from. */
export interface LayerInput {
  readonly layer: Exclude<LayerName, 'defaults'>;
  /** A file path, `environment` or `flags`: named in errors and warnings. */
  readonly source: string;
  readonly values: ConfigLayer;
}

/** The merged values, which layer set each key, and what was clamped or ignored. */
export interface MergeResult {
  readonly values: MergedConfig;
  readonly provenance: Record<string, LayerName>;
  readonly warnings: ConfigWarning[];
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'unset';
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

// For table-valued keys (`budget.action_costs`), compare only the entries the layer set.
function onlyKeysOf(value: unknown, like: unknown): unknown {
  if (typeof like !== 'object' || like === null || Array.isArray(like)) return value;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(like)) out[key] = (value as Record<string, unknown>)[key];
  return out;
}

interface RowState {
  value: unknown;
  setBy: LayerName;
  // The admin value, tightened by the workspace value: what no owner layer may go below.
  floor: unknown;
  hasFloor: boolean;
}

function applyLayer(
  row: MergeRow,
  rule: MergeRule,
  state: RowState,
  input: LayerInput,
  warn: (m: string) => void,
) {
  const incoming = getPath(input.values, row.path);
  if (incoming === undefined) return;
  const strictest = rule.strictest;
  const before = state.value;

  if (input.layer === 'admin') {
    // The admin sets the starting point (it may loosen built-in limits, never built-in
    // deny-lists: those accumulate) and the floor for everything after it.
    state.value = rule.accumulates ? rule.replace(state.value, incoming) : incoming;
    state.floor = incoming;
    state.hasFloor = strictest !== undefined;
  } else if (input.layer === 'workspace') {
    // The workspace file may have been written by the agent: it can only tighten, and its
    // tightening becomes part of the floor so env and flags cannot undo it either.
    if (strictest === undefined) {
      throw new AstridError(
        'CONFIG_INVALID',
        `${input.source}: ${row.path} may only be set in the user or admin config, not in a workspace file`,
        { details: { file: input.source, path: row.path } },
      );
    }
    state.value = strictest(state.value, incoming);
    if (!rule.accumulates && !sameConfigValue(onlyKeysOf(state.value, incoming), incoming)) {
      warn(`${row.path} = ${show(incoming)} would loosen ${show(before)}; a workspace file can only tighten`);
    }
    state.floor = state.hasFloor ? strictest(state.floor, incoming) : incoming;
    state.hasFloor = true;
  } else {
    // user, env, flags: the user's own settings replace, but never below the floor.
    const candidate = rule.replace(state.value, incoming);
    state.value = candidate;
    if (state.hasFloor && strictest !== undefined) {
      state.value = strictest(candidate, state.floor);
      if (!sameConfigValue(state.value, candidate)) {
        warn(
          `${row.path} = ${show(incoming)} is looser than the admin or workspace floor; using ${show(state.value)}`,
        );
      }
    }
  }
  if (!sameConfigValue(state.value, before)) state.setBy = input.layer;
}

/**
 * Merges validated layers over the defaults, row by row of {@link MERGE_TABLE}. Layers
 * must come in {@link LAYER_NAMES} order. A workspace layer that sets a `user-only` key
 * is an error (fail closed).
 */
export function mergeLayers(defaults: MergedConfig, layers: readonly LayerInput[]): MergeResult {
  let lastIndex = 0;
  for (const input of layers) {
    const index = LAYER_NAMES.indexOf(input.layer);
    if (index <= lastIndex) throw new TypeError(`"layers" expected in order ${LAYER_NAMES.join(', ')}`);
    lastIndex = index;
  }

  const values = deepCopy(defaults) as unknown as Record<string, unknown>;
  const provenance: Record<string, LayerName> = {};
  const warnings: ConfigWarning[] = [];

  for (const row of MERGE_TABLE) {
    const rule = MERGE_RULES[row.rule];
    const state: RowState = {
      value: getPath(values, row.path),
      setBy: 'defaults',
      floor: undefined,
      hasFloor: false,
    };
    for (const input of layers) {
      applyLayer(row, rule, state, input, (message) =>
        warnings.push({ layer: input.layer, source: input.source, path: row.path, message }),
      );
    }
    setPath(values, row.path, state.value);
    provenance[row.path] = state.setBy;
  }
  return { values: values as unknown as MergedConfig, provenance, warnings };
}
