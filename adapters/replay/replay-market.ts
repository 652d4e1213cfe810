import { isCandleColumns, toCandleColumns, type Candle, type CandleColumns, type CandleSeries, type PriceQuote } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import type { Clock } from "../../core/ports/clock.port.js";
import type { PriceHistorySource, PriceSource } from "../../core/ports/price-source.port.js";

export interface ReplayMarketOptions {
  /**
   * Candles per replay symbol (SOL, WBTC, ETH, ...), sorted by time, no duplicates (see replay-data.ts):
   * as columns (loadReplayColumns: what a running Purser keeps) or as candle objects (copied to columns).
   */
  series: Map<string, CandleSeries>;
  clock: Clock;
  /** Historical epoch ms where playback begins; defaults to the first candle. */
  start?: number;
  /** Historical ms per real ms: 1 plays in real time, 3600 plays an hour per second. Default 1. */
  speed?: number;
  /** The clock's time when playback began (at `start`); defaults to now. A market built late keeps the time it was promised. */
  startedAt?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const iso = (t: number) => {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
};

/** Index of the first candle with t > time (candles.length when none). */
function upperBound(candles: readonly Candle[], time: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (candles[mid]!.t <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Close-to-close price at `time`, linear between the candles either side (a candle's close is
 * taken as the price at its open time, so the first candle's time gives the first close).
 * Undefined outside the series.
 */
export function priceAt(candles: readonly Candle[], time: number): number | undefined {
  const first = candles[0];
  const last = candles[candles.length - 1];
  if (!first || !last || time < first.t || time > last.t) return undefined;
  const i = upperBound(candles, time) - 1; // last candle with t <= time
  const a = candles[i]!;
  const b = candles[i + 1];
  if (!b || a.t === time) return a.c;
  return a.c + ((b.c - a.c) * (time - a.t)) / (b.t - a.t);
}

/** Index of the first t[i] >= time (t.length when none). */
function lowerBoundColumn(t: Float64Array, time: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first t[i] > time (t.length when none): `upperBound` over a column. */
function upperBoundColumn(t: Float64Array, time: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `priceAt` over columns. */
function priceAtColumns({ t, c }: CandleColumns, time: number): number | undefined {
  const n = t.length;
  if (n === 0 || time < t[0]! || time > t[n - 1]!) return undefined;
  const i = upperBoundColumn(t, time) - 1;
  if (i + 1 >= n || t[i] === time) return c[i]!;
  return c[i]! + ((c[i + 1]! - c[i]!) * (time - t[i]!)) / (t[i + 1]! - t[i]!);
}

/** Candle objects for rows [from, to) of columns. */
function candlesOf(cols: CandleColumns, from: number, to: number): Candle[] {
  const out: Candle[] = [];
  for (let i = from; i < to; i++) out.push({ t: cols.t[i]!, o: cols.o[i]!, h: cols.h[i]!, l: cols.l[i]!, c: cols.c[i]! });
  return out;
}

/** Merges candles into buckets of `stepMs` aligned to the epoch (1d buckets are UTC days). */
export function downsample(candles: readonly Candle[], stepMs: number): Candle[] {
  if (!(stepMs > 0) || !Number.isFinite(stepMs)) return candles.map((k) => ({ ...k }));
  const out: Candle[] = [];
  let bucket = Number.NaN;
  let cur: Candle | undefined;
  for (const k of candles) {
    const b = Math.floor(k.t / stepMs);
    if (cur && b === bucket) {
      if (k.h > cur.h) cur.h = k.h;
      if (k.l < cur.l) cur.l = k.l;
      cur.c = k.c;
    } else {
      cur = { t: k.t, o: k.o, h: k.h, l: k.l, c: k.c };
      bucket = b;
      out.push(cur);
    }
  }
  return out;
}

/**
 * Bundled history played back as if it were live. Candles are kept as columns (five Float64Arrays
 * per symbol, ~40 bytes a candle outside the JavaScript heap) rather than an object per candle
 * (~150 bytes on the heap): the bundled 3.6 years x 5 symbols hourly are ~1.1 MB, not ~4 MB plus the
 * garbage of building them. Candle objects are made only for the range a history asks for. Replay time runs from `start` at `speed` times
 * the injected clock and wraps back to the first candle after the last one. Every quote says
 * `replay: true`, `source: "replay"` and carries the historical time in `at`.
 */
export class ReplayMarket implements PriceSource, PriceHistorySource {
  readonly name = "replay";
  readonly kind = "replay" as const;

  private readonly series = new Map<string, CandleColumns>();
  private readonly clock: Clock;
  private readonly speed: number;
  private readonly from: number;
  private readonly to: number;
  /** Replay position (ms after `from`) at construction. */
  private readonly offset: number;
  private readonly startedAt: number;

  constructor(options: ReplayMarketOptions) {
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const [symbol, candles] of options.series) {
      const cols = isCandleColumns(candles) ? candles : toCandleColumns(candles);
      const n = cols.t.length;
      if (n === 0) continue;
      this.series.set(symbol.toUpperCase(), cols);
      from = Math.min(from, cols.t[0]!);
      to = Math.max(to, cols.t[n - 1]!);
    }
    if (this.series.size === 0) throw new Error("replay market needs at least one series with candles");

    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed < 0) throw new Error(`replay speed must be a number >= 0, got ${speed}`);
    const start = options.start ?? from;
    if (!Number.isFinite(start) || start < from || start > to) {
      throw new Error(
        `replay start ${iso(start)} is outside the data (${iso(from)} .. ${iso(to)})`,
      );
    }
    this.clock = options.clock;
    this.speed = speed;
    this.from = from;
    this.to = to;
    this.offset = start - from;
    this.startedAt = options.startedAt ?? options.clock.now();
  }

  /** First and last candle time (epoch ms) across all series. */
  range(): { from: number; to: number } {
    return { from: this.from, to: this.to };
  }

  /** Symbols with history, upper case. */
  symbols(): string[] {
    return [...this.series.keys()];
  }

  /** Current replay time: a historical epoch ms inside range(). */
  now(): number {
    const span = this.to - this.from;
    if (span <= 0) return this.from;
    const pos = this.offset + (this.clock.now() - this.startedAt) * this.speed;
    return this.from + (((pos % span) + span) % span);
  }

  private seriesFor(token: Token): CandleColumns | undefined {
    return token.replaySymbol ? this.series.get(token.replaySymbol.toUpperCase()) : undefined;
  }

  async getPrices(tokens: readonly Token[]): Promise<Map<string, PriceQuote>> {
    const at = this.now();
    const out = new Map<string, PriceQuote>();
    for (const token of tokens) {
      const candles = this.seriesFor(token);
      if (!candles) continue;
      const usd = priceAtColumns(candles, at);
      if (usd === undefined) continue;
      const quote: PriceQuote = { mint: token.mint, usd, source: "replay", replay: true, at };
      const dayAgo = priceAtColumns(candles, at - DAY_MS);
      if (dayAgo !== undefined && dayAgo > 0) quote.change24hPct = ((usd - dayAgo) / dayAgo) * 100;
      out.set(token.mint, quote);
    }
    return out;
  }

  async history(token: Token, fromMs: number, toMs: number, stepMs: number): Promise<Candle[]> {
    const candles = this.seriesFor(token);
    if (!candles || !(fromMs <= toMs)) return [];
    const inRange = candlesOf(candles, lowerBoundColumn(candles.t, fromMs), upperBoundColumn(candles.t, toMs));
    return downsample(inRange, stepMs);
  }
}
