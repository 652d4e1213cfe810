/** Tokens learned from Jupiter's token search. */
export interface TokensTable {
  mint: string;
  symbol: string;
  /** Upper-cased symbol for lookups. */
  symbol_key: string;
  name: string;
  decimals: number;
  verified: number;
  updated_at: number;
}
