import { performance } from 'node:perf_hooks';

/** One benchmark figure, compared against the raw work ("floor") measured in the same run. */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly floor: number;
}

/**
 * Prints `bench <name> value=<v> unit=<u> floor=<f> ratio=<v/f>`, the one line format every
 * Astrid benchmark uses, and returns it.
 */
export function report(figure: BenchFigure): string {
  const ratio = figure.floor === 0 ? Number.NaN : figure.value / figure.floor;
  const line = `bench ${figure.name} value=${fmt(figure.value)} unit=${figure.unit} floor=${fmt(figure.floor)} ratio=${fmt(ratio)}`;
  console.log(line);
  return line;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** Microseconds per call of a synchronous `fn`, after a warm-up, best of `rounds`. */
export function usPerCall(fn: () => void, iterations: number, rounds = 3): number {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, ((performance.now() - start) * 1000) / iterations);
  }
  return best;
}

/** Microseconds per call of an async `fn` awaited one at a time, best of `rounds`. */
export async function usPerAsyncCall(
  fn: () => Promise<unknown>,
  iterations: number,
  rounds = 3,
): Promise<number> {
  for (let i = 0; i < Math.min(iterations, 50); i++) await fn();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    best = Math.min(best, ((performance.now() - start) * 1000) / iterations);
  }
  return best;
}

/** Elapsed milliseconds of one async run of `fn`. */
export async function elapsedMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
