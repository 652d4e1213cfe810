import { describe, expect, it } from "vitest";
import type { Candle } from "../../core/domain/price.js";
import { annualisedVolatilityPct, maxDrawdownPct, YEAR_MS } from "../../core/services/backtest-metrics.js";
import { downsample } from "../../core/services/backtest-report.js";
import { runBacktest } from "../../core/services/backtest.service.js";

const H = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);
const candles = (closes: number[], start = T0, step = H): Candle[] => closes.map((c, i) => ({ t: start + i * step, o: c, h: c, l: c, c }));

describe("backtest on a hand-computable case", () => {
  // A: 1 -> 2 -> 1; USDC has no candles, so the hub is $1. Targets 50/50, band +-10 pp, fee 1%, $1,000.
  const result = runBacktest({
    series: { A: candles([1, 2, 1]) },
    targets: { A: 50, USDC: 50 },
    bandAbsPct: 10,
    feeBps: 100,
    startUsd: 1000,
    decimals: { A: 6 },
  });

  it("rebalances once, back to the band edge, and charges the fee", () => {
    // Hour 1: A is $1,000 of $1,500 (66.7% > 60%). Sell s with (1000 - s) / (1500 - 0.01 s) = 0.6,
    // so s = 100 / 0.994 = 100.6036 and the fee is 1.006036.
    const s = 100 / 0.994;
    expect(result.rebalanced.rebalances).toBe(1);
    expect(result.rebalanced.turnoverUsd).toBeCloseTo(s, 3);
    expect(result.rebalanced.feesUsd).toBeCloseTo(s * 0.01, 5);
    expect(result.series.rebalanced.map((p) => p.v)[1]).toBeCloseTo(1500 - s * 0.01, 3);
    // Hour 2: A halves. A holds 500 - s/2 units, USDC 500 + 0.99 s.
    const final = 500 - s / 2 + (500 + 0.99 * s);
    expect(final).toBeCloseTo(1049.2958, 4);
    expect(result.rebalanced.finalValueUsd).toBeCloseTo(final, 3);
    expect(result.rebalanced.totalReturnPct).toBeCloseTo((final / 1000 - 1) * 100, 3);
  });

  it("buy-and-hold keeps the start units: back where it started", () => {
    expect(result.series.buyAndHold.map((p) => p.v)).toEqual([1000, 1500, 1000]);
    expect(result.buyAndHold).toMatchObject({ finalValueUsd: 1000, totalReturnPct: 0, turnoverUsd: 0, feesUsd: 0, rebalances: 0 });
    expect(result.buyAndHold.maxDrawdownPct).toBeCloseTo(100 / 3, 10);
  });

  it("drawdown and volatility of the rebalanced series", () => {
    // A was 60% of the value when it halved: the portfolio lost 30% from its peak.
    expect(result.rebalanced.maxDrawdownPct).toBeCloseTo(30, 3);
    const [v0, v1, v2] = result.series.rebalanced.map((p) => p.v) as [number, number, number];
    const r1 = v1 / v0 - 1;
    const r2 = v2 / v1 - 1;
    const sd = Math.abs(r1 - r2) / Math.SQRT2; // sample sd of two returns
    expect(result.rebalanced.volatilityPct).toBeCloseTo(sd * Math.sqrt(YEAR_MS / H) * 100, 6);
    expect(result).toMatchObject({ from: T0, to: T0 + 2 * H, steps: 3, intervalMs: H, startUsd: 1000 });
  });
});

describe("backtest mechanics", () => {
  const walk = (seed: number, n: number, p0: number) => {
    let x = seed;
    let p = p0;
    return Array.from({ length: n }, () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      p *= 1 + ((x / 2 ** 31) - 0.5) * 0.04;
      return p;
    });
  };
  const series = { SOL: candles(walk(1, 500, 150)), BONK: candles(walk(2, 500, 0.00002)), WBTC: candles(walk(3, 500, 100_000)), USDC: candles(walk(4, 500, 1).map(() => 1)) };
  const targets = { SOL: 40, BONK: 20, WBTC: 20, USDC: 20 };

  it("buy-and-hold equals the start weights times each price's change", () => {
    const r = runBacktest({ series, targets, bandAbsPct: 5, feeBps: 30 });
    const expected = Object.entries(targets).reduce((sum, [s, w]) => {
      const c = series[s as keyof typeof series];
      return sum + ((10_000 * w) / 100) * (c[c.length - 1]!.c / c[0]!.c);
    }, 0);
    expect(r.buyAndHold.finalValueUsd).toBeCloseTo(expected, 2);
    expect(r.rebalanced.rebalances).toBeGreaterThan(0);
    expect(r.rebalanced.feesUsd).toBeCloseTo(r.rebalanced.turnoverUsd * 0.003, 6);
  });

  it("aligns on common timestamps, honours from/to and the interval", () => {
    const gappy = { ...series, SOL: series.SOL.filter((_, i) => i !== 10 && i !== 11) };
    expect(runBacktest({ series: gappy, targets, bandAbsPct: 5, feeBps: 30 }).steps).toBe(498);
    const r = runBacktest({ series, targets, bandAbsPct: 5, feeBps: 30, from: T0 + 24 * H, to: T0 + 48 * H, intervalMs: 6 * H });
    expect(r.series.rebalanced.map((p) => (p.t - T0) / H)).toEqual([24, 30, 36, 42, 48]);
    expect(() => runBacktest({ series, targets, bandAbsPct: 5, feeBps: 30, from: T0 + 10_000 * H })).toThrow("fewer than 2 common candles");
    expect(() => runBacktest({ series, targets: { SOL: 50, USDC: 40 }, bandAbsPct: 5, feeBps: 30 })).toThrow("targets must sum to 100");
    expect(() => runBacktest({ series, targets: { SOL: 50, JUP: 50 }, bandAbsPct: 5, feeBps: 30 })).toThrow("no candles for JUP");
  });

  it("a daily turnover cap holds for every UTC day", () => {
    const perDay = (trades: Array<{ t: number; turnoverUsd: number }>) => {
      const days = new Map<number, number>();
      for (const x of trades) days.set(Math.floor(x.t / (24 * H)), (days.get(Math.floor(x.t / (24 * H))) ?? 0) + x.turnoverUsd);
      return [...days.values()];
    };
    const uncapped = runBacktest({ series, targets, bandAbsPct: 2, feeBps: 30, minTradeUsd: 5 });
    expect(Math.max(...perDay(uncapped.trades))).toBeGreaterThan(150);
    const r = runBacktest({ series, targets, bandAbsPct: 2, feeBps: 30, maxTurnoverUsd: 150, minTradeUsd: 5 });
    expect(perDay(r.trades).length).toBeGreaterThan(5);
    expect(Math.max(...perDay(r.trades))).toBeLessThanOrEqual(150 + 1e-6);
    expect(r.trades.reduce((s, x) => s + x.turnoverUsd, 0)).toBeCloseTo(r.rebalanced.turnoverUsd, 6);
    expect(r.trades).toHaveLength(r.rebalanced.rebalances);
  });

  it("reports progress to the end", () => {
    const seen: number[] = [];
    runBacktest({ series, targets, bandAbsPct: 5, feeBps: 30, onProgress: (done, total) => seen.push(done / total) });
    expect(seen[seen.length - 1]).toBe(1);
  });
});

describe("metrics", () => {
  it("max drawdown of a known series", () => {
    expect(maxDrawdownPct([100, 120, 90, 130, 65, 140])).toBe(50);
    expect(maxDrawdownPct([1, 2, 3])).toBe(0);
  });

  it("volatility is zero for a steady series and annualises by steps per year", () => {
    expect(annualisedVolatilityPct([100, 101, 102.01, 103.0301], H)).toBeCloseTo(0, 9);
    const daily = annualisedVolatilityPct([100, 110, 99, 108.9], 24 * H);
    const hourly = annualisedVolatilityPct([100, 110, 99, 108.9], H);
    expect(hourly / daily).toBeCloseTo(Math.sqrt(24), 9);
  });

  it("downsampling for the chart keeps both ends", () => {
    const pts = Array.from({ length: 10_001 }, (_, i) => ({ t: i, v: i }));
    const d = downsample(pts, 1500);
    expect(d).toHaveLength(1500);
    expect(d[0]).toEqual({ t: 0, v: 0 });
    expect(d[1499]).toEqual({ t: 10_000, v: 10_000 });
  });
});

describe("step alignment: sorted series (one merge walk) and any other order (maps) agree", () => {
  // Three assets with different gaps and ranges; B and C miss some hours A has, C starts late.
  const prices = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  const a = candles(prices(300, (i) => 10 + Math.sin(i / 7) * 3));
  const b = candles(prices(320, (i) => 5 + Math.cos(i / 5))).filter((_, i) => i % 11 !== 3);
  const c = candles(prices(250, (i) => 2 + (i % 13) / 10), T0 + 40 * H).filter((_, i) => i % 17 !== 5);
  const input = { targets: { A: 30, B: 30, C: 20, USDC: 20 }, bandAbsPct: 3, feeBps: 30, intervalMs: 2 * H, from: T0 + 45 * H, to: T0 + 280 * H };
  const sorted = runBacktest({ ...input, series: { A: a, B: b, C: c } });

  it("gives the same steps, values and trades when the candles arrive out of order", () => {
    const shuffled = (xs: Candle[]) => xs.map((x, i) => [x, (i * 7919) % 1009] as const).sort((p, q) => p[1] - q[1]).map((p) => p[0]);
    const unsorted = runBacktest({ ...input, series: { A: shuffled(a), B: shuffled(b), C: [...c].reverse() } });
    expect(unsorted).toEqual(sorted);
    expect(sorted.steps).toBeGreaterThan(80);
    expect(sorted.rebalanced.rebalances).toBeGreaterThan(0);
    const common = new Set(b.map((x) => x.t).filter((t) => c.some((y) => y.t === t)));
    for (const p of sorted.series.rebalanced) expect(common.has(p.t)).toBe(true);
  });

  it("a repeated time in one series: the last close at that time counts, as before", () => {
    const dup = [...a.slice(0, 100), { ...a[99]!, c: a[99]!.c * 2 }, ...a.slice(100)];
    const withDup = runBacktest({ ...input, series: { A: dup, B: b, C: c } });
    const patched = runBacktest({ ...input, series: { A: a.map((x, i) => (i === 99 ? { ...x, c: x.c * 2 } : x)), B: b, C: c } });
    expect(withDup).toEqual(patched);
  });
});
