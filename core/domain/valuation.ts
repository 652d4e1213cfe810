import { unitsToUsd } from "./money.js";

/** Wrapped SOL's mint: on-chain, native SOL (lamports) is held under it. */
export const SOL_MINT = "So11111111111111111111111111111111111111112";

/** A wallet's balances as the chain reports them: lamports, and every token account. */
export interface ChainBalances {
  lamports: bigint;
  tokens: ReadonlyArray<{ mint: string; amount: bigint }>;
}

/**
 * What a book holds of one mint, in base units: a paper book's position, or a wallet's balance on-chain
 * (lamports for SOL, else the sum of its token accounts of that mint). Zero when there is none.
 */
export function amountHeld(source: { positions: ReadonlyArray<{ mint: string; amount: bigint }> } | { chain: ChainBalances }, mint: string): bigint {
  if ("positions" in source) return source.positions.find((p) => p.mint === mint)?.amount ?? 0n;
  if (mint === SOL_MINT) return source.chain.lamports;
  return source.chain.tokens.filter((t) => t.mint === mint).reduce((a, t) => a + t.amount, 0n);
}

/** One holding to value: base units beside the asset's decimals. */
export interface ValuedAsset {
  symbol: string;
  decimals: number;
  amount: bigint;
}

export interface HoldingsValue {
  /** Total USD value of the priced holdings. */
  valueUsd: number;
  /** USD value per symbol (priced holdings only). */
  usd: Record<string, number>;
  /** Share of the total per symbol, in percent (0 for every asset when the total is 0). */
  allocation: Record<string, number>;
  /** Symbols with no price (left out of the value). */
  missing: string[];
}

/** Holdings valued at USD prices by symbol, with the allocation in percent of the total. Pure. */
export function valueHoldings(held: ReadonlyArray<ValuedAsset>, prices: Readonly<Record<string, number>>): HoldingsValue {
  const usd: Record<string, number> = {};
  const missing: string[] = [];
  for (const h of held) {
    const p = prices[h.symbol];
    if (p === undefined) missing.push(h.symbol);
    else usd[h.symbol] = unitsToUsd(h.amount, h.decimals, p);
  }
  const valueUsd = Object.values(usd).reduce((a, v) => a + v, 0);
  const allocation = Object.fromEntries(Object.entries(usd).map(([sym, v]) => [sym, valueUsd > 0 ? (v / valueUsd) * 100 : 0]));
  return { valueUsd, usd, allocation, missing };
}
