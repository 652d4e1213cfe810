import { BUILTIN_TOKENS } from "../domain/builtin-tokens.js";
import { candleCount, isCandleColumns, type CandleSeries } from "../domain/price.js";
import { alreadyInBand, applySwaps, planRebalance } from "../domain/rebalance.js";
import type { RebalanceConstraints, RebalanceHolding } from "../domain/rebalance.js";
import { summarise } from "./backtest-metrics.js";
import type { BacktestMetrics, ValuePoint } from "./backtest-metrics.js";

export type { BacktestMetrics, ValuePoint } from "./backtest-metrics.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface BacktestInput {
  /** Candles per symbol (objects in any order, or columns); only the time and close are used. */
  series: Readonly<Record<string, CandleSeries>>;
  /** Target weights in percent, summing to 100. */
  targets: Readonly<Record<string, number>>;
  bandAbsPct?: number;
  bandRelPct?: number;
  /** Modelled cost of every swap (basis points of what goes in). */
  feeBps: number;
  /** First and last step (epoch ms, inclusive); default: all common candles. */
  from?: number;
  to?: number;
  /** Time between rebalance checks; default one hour. */
  intervalMs?: number;
  /** Default $10,000. */
  startUsd?: number;
  minTradeUsd?: number;
  maxTradeUsd?: number;
  /** Daily turnover budget (UTC days); default no limit. */
  maxTurnoverUsd?: number;
  /** Default USDC. When the series has no candles for it, its price is taken as $1. */
  hub?: string;
  directRoutes?: string[];
  /** Base-unit decimals per symbol; default the built-in token's, else 9. */
  decimals?: Readonly<Record<string, number>>;
  /** Called every few hundred steps and at the end. */
  onProgress?: (done: number, total: number) => void;
}

export interface BacktestResult {
  from: number;
  to: number;
  steps: number;
  intervalMs: number;
  startUsd: number;
  /** Rebalanced with the planner at every step's close prices. */
  rebalanced: BacktestMetrics;
  /** The start weights bought at the first step and never traded. */
  buyAndHold: BacktestMetrics;
  series: { rebalanced: ValuePoint[]; buyAndHold: ValuePoint[] };
  /** Every step that traded: when, how many swaps, their size and fees. */
  trades: Array<{ t: number; swaps: number; turnoverUsd: number; feesUsd: number }>;
}

const decimalsOf = (sym: string, given?: Readonly<Record<string, number>>) =>
  given?.[sym] ?? BUILTIN_TOKENS.find((t) => t.symbol === sym || t.replaySymbol === sym)?.decimals ?? 9;

/** Times all series share within [from, to] (ascending), and each series' close at each of them. */
interface Common {
  times: number[];
  closes: Float64Array[];
}

/** A series' times and closes. */
interface TimesCloses {
  t: ArrayLike<number>;
  c: ArrayLike<number>;
}

function timesCloses(s: CandleSeries): TimesCloses {
  if (isCandleColumns(s)) return { t: s.t, c: s.c };
  const t = new Float64Array(s.length);
  const c = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) {
    t[i] = s[i]!.t;
    c[i] = s[i]!.c;
  }
  return { t, c };
}

/** `Common` by one merge walk; undefined unless every series is strictly increasing in time (as loaded from CSV). */
function commonSorted(series: ReadonlyArray<TimesCloses>, from: number, to: number): Common | undefined {
  for (const s of series) for (let i = 1; i < s.t.length; i++) if (!(s.t[i - 1]! < s.t[i]!)) return undefined;
  const first = series[0] ?? { t: [], c: [] };
  const pos = new Int32Array(series.length);
  const times: number[] = [];
  const at: number[][] = series.map(() => []);
  for (let i = 0; i < first.t.length; i++) {
    const t = first.t[i]!;
    if (!(t >= from && t <= to)) continue;
    let all = true;
    for (let k = 1; k < series.length && all; k++) {
      const s = series[k]!;
      let p = pos[k]!;
      while (p < s.t.length && s.t[p]! < t) p++;
      pos[k] = p;
      all = p < s.t.length && s.t[p] === t;
    }
    if (!all) continue;
    times.push(t);
    at[0]!.push(first.c[i]!);
    for (let k = 1; k < series.length; k++) at[k]!.push(series[k]!.c[pos[k]!]!);
  }
  return { times, closes: at.map((a) => Float64Array.from(a)) };
}

/** `Common` for any series (unsorted, repeated times: the last close at a time wins), through maps. */
function commonAny(series: ReadonlyArray<TimesCloses>, from: number, to: number): Common {
  const maps = series.map((s) => {
    const m = new Map<number, number>();
    for (let i = 0; i < s.t.length; i++) m.set(s.t[i]!, s.c[i]!);
    return m;
  });
  const first = maps[0] ?? new Map<number, number>();
  const times = [...first.keys()].filter((t) => t >= from && t <= to && maps.every((m) => m.has(t))).sort((a, b) => a - b);
  return { times, closes: maps.map((m) => Float64Array.from(times, (t) => m.get(t) ?? Number.NaN)) };
}

/** The step times (common candles within [from, to], one per interval) and each symbol's close at every step ($1 for an unpriced hub). */
function alignSteps(input: BacktestInput, symbols: string[], priced: string[], intervalMs: number): { steps: number[]; px: Map<string, Float64Array> } {
  const series = priced.map((s) => timesCloses(input.series[s] ?? []));
  const from = input.from ?? -Infinity;
  const to = input.to ?? Infinity;
  const { times, closes } = commonSorted(series, from, to) ?? commonAny(series, from, to);
  const steps: number[] = [];
  const rows: number[] = [];
  times.forEach((t, i) => {
    if (steps.length === 0 || t >= (steps[steps.length - 1] ?? t) + intervalMs) {
      steps.push(t);
      rows.push(i);
    }
  });
  if (steps.length < 2) throw new Error(`fewer than 2 common candles for ${priced.join(", ")} in the chosen range`);

  const px = new Map<string, Float64Array>(symbols.map((s) => [s, new Float64Array(steps.length).fill(1)]));
  priced.forEach((s, k) => {
    const col = px.get(s);
    const close = closes[k];
    if (col && close) rows.forEach((i, j) => (col[j] = close[i] ?? Number.NaN));
  });
  return { steps, px };
}

/** The planner's limits for the backtest; the turnover budget is set per step from what is left of the day's. */
function constraintsOf(input: BacktestInput, hub: string): RebalanceConstraints {
  return {
    ...(input.bandAbsPct !== undefined ? { bandAbsPct: input.bandAbsPct } : {}),
    ...(input.bandRelPct !== undefined ? { bandRelPct: input.bandRelPct } : {}),
    minTradeUsd: input.minTradeUsd ?? 0,
    maxTradeUsd: input.maxTradeUsd ?? Infinity,
    maxTurnoverUsd: Infinity,
    feeBps: input.feeBps,
    hub,
    ...(input.directRoutes ? { directRoutes: input.directRoutes } : {}),
  };
}

/** The target weights bought at the given prices (no fee: both strategies start alike). */
function startHoldings(input: BacktestInput, symbols: string[], startUsd: number, prices: Record<string, number>): RebalanceHolding[] {
  return symbols.map((s) => {
    const decimals = decimalsOf(s, input.decimals);
    const usd = (startUsd * (input.targets[s] ?? 0)) / 100;
    return { symbol: s, decimals, amount: BigInt(Math.floor((usd / (prices[s] ?? Number.NaN)) * 10 ** decimals)) };
  });
}

interface Run {
  rebalanced: ValuePoint[];
  buyAndHold: ValuePoint[];
  turnoverUsd: number;
  feesUsd: number;
  rebalances: number;
  trades: BacktestResult["trades"];
}

/** Steps through history: the planner rebalances (within the day's turnover budget) beside an untouched buy-and-hold. */
function simulate(input: BacktestInput, steps: number[], priceAt: (j: number) => Record<string, number>, start: RebalanceHolding[], constraints: RebalanceConstraints): Run {
  const run: Run = { rebalanced: [], buyAndHold: [], turnoverUsd: 0, feesUsd: 0, rebalances: 0, trades: [] };
  let holdings = start;
  const hold = start.map((h) => ({ ...h, scale: 10 ** h.decimals, units: Number(h.amount) }));
  const dailyCap = input.maxTurnoverUsd ?? Infinity;
  let day = -1;
  let usedToday = 0;
  const progressEvery = 512;
  steps.forEach((t, j) => {
    const prices = priceAt(j);
    if (Math.floor(t / DAY) !== day) {
      day = Math.floor(t / DAY);
      usedToday = 0;
    }
    constraints.maxTurnoverUsd = Math.max(0, dailyCap - usedToday);
    // Most steps are in band: the planner's own early answer without building a plan (the first
    // step always asks the planner, which validates the holdings, targets and limits).
    const plan = j > 0 && alreadyInBand(holdings, prices, input.targets, constraints) ? undefined : planRebalance(holdings, prices, input.targets, constraints);
    if (plan && plan.swaps.length > 0) {
      holdings = applySwaps(holdings, prices, plan.swaps, input.feeBps);
      run.turnoverUsd += plan.turnoverUsd;
      run.feesUsd += plan.feesUsd;
      usedToday += plan.turnoverUsd;
      run.rebalances++;
      run.trades.push({ t, swaps: plan.swaps.length, turnoverUsd: plan.turnoverUsd, feesUsd: plan.feesUsd });
    }
    let value = 0; // a loop, not reduce: under tsx each closure made per step costs a __name call
    for (const h of holdings) value += (Number(h.amount) / 10 ** h.decimals) * (prices[h.symbol] ?? Number.NaN);
    run.rebalanced.push({ t, v: value });
    let bh = 0;
    for (const h of hold) bh += (h.units / h.scale) * (prices[h.symbol] ?? Number.NaN);
    run.buyAndHold.push({ t, v: bh });
    if (input.onProgress && ((j + 1) % progressEvery === 0 || j === steps.length - 1)) input.onProgress(j + 1, steps.length);
  });
  return run;
}

/**
 * Replays a target allocation over history with the same planner the treasury bot uses: starts at
 * the target weights, and at every step asks `planRebalance` (at that step's closes) and applies
 * its swaps with the modelled fee. Buy-and-hold of the start weights runs beside it. Series are
 * aligned on the timestamps every asset has a candle for (steps missing any asset are skipped).
 */
export function runBacktest(input: BacktestInput): BacktestResult {
  const hub = input.hub ?? "USDC";
  const startUsd = input.startUsd ?? 10_000;
  const intervalMs = input.intervalMs ?? HOUR;
  if (!(startUsd > 0)) throw new Error("the start value must be above 0");
  if (!(intervalMs > 0)) throw new Error("the interval must be above 0");
  const sum = Object.values(input.targets).reduce((s, v) => s + v, 0);
  if (Math.abs(sum - 100) > 0.01) throw new Error(`targets must sum to 100 (they sum to ${Math.round(sum * 1e6) / 1e6})`);

  const symbols = Object.keys(input.targets).sort();
  if (!symbols.includes(hub)) symbols.push(hub);
  const priced = symbols.filter((s) => s !== hub || input.series[hub] !== undefined);
  for (const s of priced) {
    const candles = input.series[s];
    if (!candles || candleCount(candles) === 0) throw new Error(`no candles for ${s}`);
  }

  const { steps, px } = alignSteps(input, symbols, priced, intervalMs);
  const prices: Record<string, number> = {};
  const priceAt = (j: number) => {
    for (const s of symbols) prices[s] = px.get(s)?.[j] ?? Number.NaN;
    return prices;
  };
  const run = simulate(input, steps, priceAt, startHoldings(input, symbols, startUsd, priceAt(0)), constraintsOf(input, hub));
  return {
    from: steps[0] ?? Number.NaN,
    to: steps[steps.length - 1] ?? Number.NaN,
    steps: steps.length,
    intervalMs,
    startUsd,
    rebalanced: summarise(run.rebalanced, startUsd, { turnoverUsd: run.turnoverUsd, feesUsd: run.feesUsd, rebalances: run.rebalances }),
    buyAndHold: summarise(run.buyAndHold, startUsd, { turnoverUsd: 0, feesUsd: 0, rebalances: 0 }),
    series: { rebalanced: run.rebalanced, buyAndHold: run.buyAndHold },
    trades: run.trades,
  };
}
