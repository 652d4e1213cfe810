import type { Candle, PriceQuote } from "../domain/price.js";
import type { Token } from "../domain/token.js";

/**
 * A source of current USD prices. Live adapters (Jupiter, Pyth) wrap their HTTP client in a
 * timeout, retry with back-off on 429/5xx, a circuit breaker and one shared rate limiter, and
 * batch every id into one request. Failures throw RemoteError (retryable or not).
 */
export interface PriceSource {
  readonly name: string;
  readonly kind: "live" | "replay";
  /** Prices keyed by mint; tokens the source does not know are simply absent. */
  getPrices(tokens: readonly Token[]): Promise<Map<string, PriceQuote>>;
}

export type HistoryRange = "1d" | "7d" | "30d" | "90d";

/** Past prices for charts. */
export interface PriceHistorySource {
  readonly name: string;
  /** Candles covering [fromMs, toMs] at roughly `stepMs` resolution; empty when unknown. */
  history(token: Token, fromMs: number, toMs: number, stepMs: number): Promise<Candle[]>;
}
