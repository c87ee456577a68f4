import { L2oError } from '@l2o/core';
/** Statistics of the benchmark: comparisons of final losses, speed-ups, divergence, interquartile means. */

/** A loss for ordering: NaN counts as +∞ (worse than any number). */
export function orderable(x: number): number {
  return Number.isNaN(x) ? Number.POSITIVE_INFINITY : x;
}

/**
 * The interquartile mean: the mean of the values left after dropping ⌊n/4⌋ of the lowest and as many of the
 * highest (scipy's `trim_mean(x, 0.25)`, as rliable reports). NaN counts as +∞; the result is +∞ when an infinite
 * value survives the trimming, NaN for an empty list.
 */
export function interquartileMean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.map(orderable).sort((a, b) => a - b);
  const cut = Math.floor(sorted.length / 4);
  const kept = sorted.slice(cut, sorted.length - cut);
  let s = 0;
  for (const v of kept) s += v;
  return s / kept.length;
}

/** Median with NaN counted as +∞ (NaN for an empty list). */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.map(orderable).sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  const lo = sorted[Math.floor(mid)]!;
  const hi = sorted[Math.ceil(mid)]!;
  return lo === hi ? lo : (lo + hi) / 2;
}

/** Run-by-run comparison of two optimizers' final losses on the same problems: `a` wins a run if strictly lower. */
export interface PairedComparison {
  readonly wins: number;
  readonly losses: number;
  readonly ties: number;
  /** Two-sided exact sign test of wins against losses (ties left out); 1 when there are none. */
  readonly pValue: number;
}

/** Compares `a[r]` with `b[r]` for every run r (NaN counts as +∞, so a diverged run loses to a finite one). */
export function pairedComparison(a: readonly number[], b: readonly number[]): PairedComparison {
  if (a.length !== b.length)
    throw new L2oError('SHAPE_MISMATCH', `pairedComparison: ${a.length} runs against ${b.length}; must be equal`);
  let wins = 0;
  let losses = 0;
  let ties = 0;
  for (let r = 0; r < a.length; r++) {
    const x = orderable(a[r]!);
    const y = orderable(b[r]!);
    if (x < y) wins++;
    else if (x > y) losses++;
    else ties++;
  }
  return { wins, losses, ties, pValue: signTestPValue(wins, losses) };
}

/** Two-sided exact binomial sign test: P(a split at least as uneven as wins : losses | p = ½). */
export function signTestPValue(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  // P(X ≤ k) for X ~ Binomial(n, ½), summed in log space for large n.
  let logC = 0; // log C(n, 0)
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

/**
 * Whether a run diverged: a non-finite loss anywhere, or a final loss far above the start, f_T > f_0 + (factor − 1)·|f_0|
 * (for a positive start: more than `factor` times it).
 */
export function runDiverged(initial: number, final: number, sawNonFinite: boolean, factor: number): boolean {
  if (sawNonFinite || !Number.isFinite(final) || !Number.isFinite(initial)) return true;
  return final > initial + (factor - 1) * Math.abs(initial);
}

/** Trailing moving average over `window` points (the first points average what exists so far). */
export function trailingMean(curve: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1)
    throw new L2oError('INVALID_OPTION', `trailingMean: window must be a positive integer, got ${window}`);
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < curve.length; i++) {
    s += curve[i]!;
    if (i >= window) s -= curve[i - window]!;
    out.push(s / Math.min(i + 1, window));
  }
  return out;
}

/**
 * The first step at which a curve reaches `target` (value ≤ target), or `null` if it never does. `steps[i]` is the
 * step of `curve[i]`. Non-finite values never reach.
 */
export function stepsToReach(curve: readonly number[], steps: readonly number[], target: number): number | null {
  if (!Number.isFinite(target)) return null;
  for (let i = 0; i < curve.length; i++) {
    const v = curve[i]!;
    if (Number.isFinite(v) && v <= target) return steps[i]!;
  }
  return null;
}

/** Mean and population standard deviation (NaN/±∞ propagate as in `evaluate`). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: Number.NaN, std: Number.NaN };
  let s = 0;
  for (const v of values) s += v;
  const mean = s / values.length;
  if (!Number.isFinite(mean)) return { mean, std: Number.NaN };
  let q = 0;
  for (const v of values) q += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(q / values.length) };
}
