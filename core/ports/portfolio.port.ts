import type { PriceQuote } from "../domain/price.js";
import type { Token } from "../domain/token.js";

export interface Holding {
  token: Token;
  amount: bigint;
  usd?: number;
  quote?: PriceQuote;
  costUsd?: number;
}

export interface PortfolioSection {
  title: string;
  /** The trading book this section is (paper or the custodial wallet), if any. */
  book?: string;
  address?: string;
  holdings: Holding[];
  totalUsd: number;
  unpriced: number;
  unrealizedUsd?: number;
  realizedUsd?: number;
  error?: string;
}

/** A user's holdings and value over time (/balance, /pnl, portfolio alerts). */
export interface PortfolioPort {
  /** One section per book and wallet; also records a fresh value snapshot of the trading book. */
  summary(userId: string): Promise<PortfolioSection[]>;
  /** Total USD value, undefined when it cannot be priced. */
  value(userId: string): Promise<number | undefined>;
  /** Value snapshots of the trading book since `sinceMs`. */
  history(userId: string, sinceMs: number): Promise<{ book: string; points: Array<{ at: number; valueUsd: number }> }>;
}
