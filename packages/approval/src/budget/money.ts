/** Money is integer micro-dollars everywhere: no floating-point rounding in limits. */
export type Micros = number;

/** Converts a USD amount from config to integer micro-dollars (rounded to the nearest micro). */
export function usdToMicros(usd: number): Micros {
  if (typeof usd !== 'number') throw new TypeError(`"usd" expected a number, got ${typeof usd}`);
  if (!Number.isFinite(usd) || usd < 0)
    throw new RangeError(`"usd" expected a finite non-negative amount, got ${usd}`);
  const micros = Math.round(usd * 1_000_000);
  if (!Number.isSafeInteger(micros)) throw new RangeError(`"usd" is too large: ${usd}`);
  return micros;
}

/** Formats micro-dollars as a USD string with up to 6 decimals (for messages and cards). */
export function formatMicros(micros: Micros): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / 1_000_000);
  const frac = (abs % 1_000_000).toString().padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${sign}$${whole}.${frac}`;
}

/** Token prices in micro-dollars per million tokens. */
export interface TokenPricing {
  readonly inputPerMTok: Micros;
  readonly outputPerMTok: Micros;
  readonly cacheReadPerMTok?: Micros;
  readonly cacheWritePerMTok?: Micros;
}

/** Token counts of one LLM request (actual usage, or the worst case before it runs). */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
}

function tokenCost(tokens: number | undefined, perMTok: Micros | undefined): Micros {
  if (tokens === undefined || tokens === 0 || perMTok === undefined || perMTok === 0) return 0;
  if (!Number.isSafeInteger(tokens) || tokens < 0)
    throw new RangeError(`token count expected a non-negative integer, got ${tokens}`);
  // Round up: a budget must never under-count what was spent.
  return Math.ceil((tokens * perMTok) / 1_000_000);
}

/** The cost of a usage at the given prices, rounded up to the micro-dollar. */
export function usageCost(usage: TokenUsage, pricing: TokenPricing): Micros {
  return (
    tokenCost(usage.inputTokens, pricing.inputPerMTok) +
    tokenCost(usage.outputTokens, pricing.outputPerMTok) +
    tokenCost(usage.cacheReadTokens, pricing.cacheReadPerMTok) +
    tokenCost(usage.cacheWriteTokens, pricing.cacheWritePerMTok)
  );
}

/**
 * The most an LLM request can cost: all input tokens plus `max_tokens` of output, with input
 * priced at the dearest input rate (a cache write may cost more than plain input).
 */
export function worstCaseLlmCost(
  inputTokens: number,
  maxOutputTokens: number,
  pricing: TokenPricing,
): Micros {
  const dearestInput = Math.max(
    pricing.inputPerMTok,
    pricing.cacheWritePerMTok ?? 0,
    pricing.cacheReadPerMTok ?? 0,
  );
  return tokenCost(inputTokens, dearestInput) + tokenCost(maxOutputTokens, pricing.outputPerMTok);
}
