/** One USD price with where and when it came from. Never shown without both. */
export interface PriceQuote {
  mint: string;
  usd: number;
  /** Source name: jupiter, pyth, replay, cache of one of those. */
  source: string;
  /** When the source says the price was observed (epoch ms); for replay, the historical time. */
  at: number;
  /** 24h change in percent when the source gives it. */
  change24hPct?: number;
  /** True for bundled historical data played back: always labelled as replay. */
  replay?: boolean;
}

/** A price published on the stream that alerts and the treasury consume. */
export interface PriceTick extends PriceQuote {
  symbol: string;
}

export interface Candle {
  /** Open time, epoch ms. */
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
}

/**
 * Candles as columns: one typed array per field, all the same length, in ascending time. What a
 * large history is handed over as (a binary cache read straight into arrays) without an object per
 * candle.
 */
export interface CandleColumns {
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
}

/** Candles in either form. */
export type CandleSeries = ReadonlyArray<Candle> | CandleColumns;

export const isCandleColumns = (s: CandleSeries): s is CandleColumns => !Array.isArray(s);

export const candleCount = (s: CandleSeries): number => (isCandleColumns(s) ? s.t.length : s.length);

/** Columns of candle objects (a copy). */
export function toCandleColumns(candles: ReadonlyArray<Candle>): CandleColumns {
  const n = candles.length;
  const cols: CandleColumns = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const k = candles[i]!;
    cols.t[i] = k.t;
    cols.o[i] = k.o;
    cols.h[i] = k.h;
    cols.l[i] = k.l;
    cols.c[i] = k.c;
  }
  return cols;
}

/** Candle objects of columns. */
export function fromCandleColumns(cols: CandleColumns): Candle[] {
  const n = cols.t.length;
  const out = new Array<Candle>(n);
  for (let i = 0; i < n; i++) out[i] = { t: cols.t[i]!, o: cols.o[i]!, h: cols.h[i]!, l: cols.l[i]!, c: cols.c[i]! };
  return out;
}

export type RejectReason = "nan" | "non_positive" | "stale" | "deviation";

/** Why a price cannot be shown or acted on; null when it is sane. */
export function checkPrice(
  q: PriceQuote,
  now: number,
  maxAgeMs: number,
  reference?: number,
  maxDeviationPct?: number,
): RejectReason | null {
  if (typeof q.usd !== "number" || !Number.isFinite(q.usd)) return "nan";
  if (q.usd <= 0) return "non_positive";
  if (!Number.isFinite(q.at) || now - q.at > maxAgeMs) return "stale";
  if (reference !== undefined && maxDeviationPct !== undefined && reference > 0) {
    if ((Math.abs(q.usd - reference) / reference) * 100 > maxDeviationPct) return "deviation";
  }
  return null;
}
