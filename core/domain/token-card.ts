/**
 * The token card (issue 18): market data (Jupiter's token API) beside the chain's safety report.
 * Pure: imports only core/domain.
 */
import type { CardPool } from "./pool-pair.js";
import type { SafetyReport } from "./token-safety.js";
import type { Token } from "./token.js";

/** What Jupiter's token API (tokens/v2) says about a mint; every field may be missing. */
export interface TokenMarketInfo {
  mint: string;
  name: string | null;
  symbol: string | null;
  decimals: number | null;
  priceUsd: number | null;
  priceChange24hPct: number | null;
  liquidityUsd: number | null;
  mcapUsd: number | null;
  fdvUsd: number | null;
  volume24hUsd: number | null;
  holderCount: number | null;
  verified: boolean | null;
  organicScore: number | null;
  organicLabel: "high" | "medium" | "low" | null;
  tags: string[];
  /** When the token's first pool was created (ms), when given. */
  createdAt: number | null;
}

export interface CardPrice {
  usd: number;
  source: string;
  /** Age of the price when the card was built (ms). */
  ageMs: number;
}

export interface TokenCard {
  mint: string;
  /** The token as Purser knows it (registry), when it does. */
  token: Token | null;
  market: TokenMarketInfo | null;
  price: CardPrice | null;
  safety: SafetyReport | null;
  /** Sources that failed or timed out: the card says it is partial and which part is missing. */
  partial: Array<"market" | "price" | "safety">;
  builtAt: number;
  /** Set when the address asked for was a DEX pool: the card is for the token it trades. */
  pool?: CardPool;
}
