import type { ActionKind } from '@astrid/core';
import { type MergedConfig, PRESET_BASE_URLS } from './defaults.js';
import type { AstridConfig, ConfigWarning, LayerName } from './types.js';

/** Converts USD to integer micro-dollars (`1.5` -> `1_500_000`), rounding to the nearest. */
export function usdToMicroUsd(usd: number): number {
  if (!Number.isFinite(usd) || usd < 0)
    throw new RangeError(`"usd" expected a finite amount >= 0, got ${usd}`);
  const micro = Math.round(usd * 1_000_000);
  if (!Number.isSafeInteger(micro))
    throw new RangeError(`"usd" expected at most ${Number.MAX_SAFE_INTEGER / 1e6}`);
  return micro;
}

function derivedWarning(path: string, message: string): ConfigWarning {
  return { layer: 'defaults', source: 'resolved config', path, message };
}

/**
 * Turns merged values into the resolved config: fills a preset's `base_url`, adds the
 * budget in integer micro-dollars, and notes combinations that will not work as meant.
 */
export function finalizeConfig(
  merged: MergedConfig,
  provenance: Record<string, LayerName>,
  warnings: ConfigWarning[],
): AstridConfig {
  let baseUrl = merged.model.base_url;
  const { provider, preset } = merged.model;
  if (provider === 'openai-compatible' && baseUrl === undefined) {
    if (preset !== undefined) {
      baseUrl = PRESET_BASE_URLS[preset];
      provenance['model.base_url'] = provenance['model.preset'] ?? 'defaults';
    } else {
      warnings.push(
        derivedWarning('model.base_url', 'provider "openai-compatible" needs model.base_url or model.preset'),
      );
    }
  }
  if (preset !== undefined && provider !== 'openai-compatible') {
    warnings.push(
      derivedWarning(
        'model.preset',
        `model.preset applies only to provider "openai-compatible"; ignored for "${provider}"`,
      ),
    );
  }
  const pricingSet = Object.entries(provenance).some(
    ([path, layer]) => path.startsWith('model.pricing.') && layer !== 'defaults',
  );
  if (provenance['model.model'] !== 'defaults' && !pricingSet) {
    warnings.push(
      derivedWarning(
        'model.pricing',
        `model "${merged.model.model}" is configured without [model.pricing]: the budget uses the default model's prices`,
      ),
    );
  }

  const costs: Partial<Record<ActionKind, number>> = {};
  for (const [kind, usd] of Object.entries(merged.budget.action_costs) as [ActionKind, number][]) {
    costs[kind] = usdToMicroUsd(usd);
  }
  const budget = merged.budget;
  return {
    ...merged,
    model: { ...merged.model, base_url: baseUrl },
    budget: {
      ...budget,
      session_max_micro_usd: usdToMicroUsd(budget.session_max_usd),
      per_action_max_micro_usd: usdToMicroUsd(budget.per_action_max_usd),
      workspace_max_micro_usd:
        budget.workspace_max_usd === undefined ? undefined : usdToMicroUsd(budget.workspace_max_usd),
      action_costs_micro_usd: costs,
    },
  };
}

/** A copy of `config` safe to show or send to a frontend: the API key replaced. */
export function redactConfig(config: AstridConfig): AstridConfig {
  if (config.model.api_key === undefined) return config;
  return { ...config, model: { ...config.model, api_key: '[redacted]' } };
}
