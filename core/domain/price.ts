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
