/** Prices the market service accepted, at most one a minute per token (chart history of last resort). */
export interface PriceTicksTable {
  mint: string;
  at: number;
  usd: number;
  source: string;
}
