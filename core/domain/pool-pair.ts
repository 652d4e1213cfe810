/**
 * A DEX pool read from the chain (issue 18, "paste to look"): a DexScreener pair link carries the pool's
 * address, not a mint, so the card is for the token the pool trades. Pure: imports only core/domain.
 */

/** The two mints a pool account names, in the pool's own order, with the DEX that owns it. */
export interface PoolMints {
  /** The owning program's address. */
  program: string;
  /** The DEX as users know it ("Raydium AMM v4", "Orca Whirlpool"). */
  dex: string;
  mints: [string, string];
}

/** Where a card came from when the pasted address was a pool: shown as "from a <dex> pool <address>". */
export interface CardPool {
  address: string;
  dex: string;
}

/** The assets pools quote against: SOL (native and wrapped), USDC, USDT. */
export const BASE_ASSET_MINTS: ReadonlySet<string> = new Set([
  "So11111111111111111111111111111111111111112",
  "11111111111111111111111111111111",
  "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
  "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB",
]);

/** The token a pool trades: the side that is not SOL/USDC/USDT (when both are, or neither is, the first). */
export function tradedMint(pool: PoolMints): string {
  const [a, b] = pool.mints;
  return BASE_ASSET_MINTS.has(a) && !BASE_ASSET_MINTS.has(b) ? b : a;
}
