/** Performance figures of a value series (pure helpers for the backtest). */

export const YEAR_MS = 365.25 * 24 * 3_600_000;

export interface ValuePoint {
  /** Epoch ms. */
  t: number;
  /** Portfolio value in USD. */
  v: number;
}

export interface BacktestMetrics {
  finalValueUsd: number;
  totalReturnPct: number;
  /** Largest fall from a running peak, in percent of that peak (0 when it never fell). */
  maxDrawdownPct: number;
  /** Standard deviation of step returns, annualised (sqrt of steps per year), in percent. */
  volatilityPct: number;
  turnoverUsd: number;
  feesUsd: number;
  /** Steps at which at least one swap was made. */
  rebalances: number;
}

/** Largest peak-to-trough fall in percent of the peak. */
export function maxDrawdownPct(values: ArrayLike<number>): number {
  let peak = -Infinity;
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > peak) peak = v;
    else if (peak > 0) worst = Math.max(worst, (peak - v) / peak);
  }
  return worst * 100;
}

/** Sample standard deviation of step returns times sqrt(steps per year), in percent. */
export function annualisedVolatilityPct(values: ArrayLike<number>, stepMs: number): number {
  const n = values.length - 1;
  if (n < 2 || !(stepMs > 0)) return 0;
  let mean = 0;
  for (let i = 1; i <= n; i++) mean += values[i]! / values[i - 1]! - 1;
  mean /= n;
  let ss = 0;
  for (let i = 1; i <= n; i++) {
    const d = values[i]! / values[i - 1]! - 1 - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1)) * Math.sqrt(YEAR_MS / stepMs) * 100;
}

/** Figures for a value series that started from `startUsd`; steps are `stepMs` apart on average. */
export function summarise(
  points: ReadonlyArray<ValuePoint>,
  startUsd: number,
  trading: { turnoverUsd: number; feesUsd: number; rebalances: number },
): BacktestMetrics {
  const values = points.map((p) => p.v);
  const last = values[values.length - 1] ?? startUsd;
  const stepMs = points.length > 1 ? (points[points.length - 1]!.t - points[0]!.t) / (points.length - 1) : 0;
  return {
    finalValueUsd: last,
    totalReturnPct: (last / startUsd - 1) * 100,
    maxDrawdownPct: maxDrawdownPct(values),
    volatilityPct: annualisedVolatilityPct(values, stepMs),
    ...trading,
  };
}
