import type { PriceQuote } from "../domain/price.js";
import type { Token } from "../domain/token.js";
import type { HistoryRange } from "./price-source.port.js";

/** A price series for a chart: where it came from, and whether it is played-back history. */
export interface ChartSeries {
  points: Array<{ t: number; v: number }>;
  source: string;
  replay: boolean;
}

/** Prices as commands ask for them (/price, /chart, /balance, /alert). */
export interface MarketPort {
  /** True when prices are real history played back, not live. */
  readonly isReplay: boolean;
  /** Market time: the clock, or the historical time of the playback. */
  now(): number;
  getPrice(token: Token): Promise<PriceQuote>;
  /** Fresh, consistent quotes by mint; a token no source could price is missing. */
  getPrices(tokens: readonly Token[]): Promise<Map<string, PriceQuote>>;
  history(token: Token, range: HistoryRange): Promise<ChartSeries>;
}
