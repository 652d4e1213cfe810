/** A token Purser can price and trade: symbol <-> mint <-> decimals. */
export interface Token {
  symbol: string;
  name: string;
  /** Base58 mint address (wrapped SOL for SOL). */
  mint: string;
  decimals: number;
  /** Verified by Jupiter (or built in). Unverified tokens are shown with a warning. */
  verified: boolean;
  /** Pyth price feed id (hex, no 0x) when Pyth publishes one. */
  pythFeedId?: string;
  /** Symbol of the bundled replay history (e.g. SOL, WBTC), when there is one. */
  replaySymbol?: string;
  builtin?: boolean;
}

/** Base58 public key: 32-44 chars of the Bitcoin alphabet. Shape only; adapters verify fully. */
export const looksLikeMint = (s: string) => /^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(s);

export const shortMint = (mint: string) => (mint.length > 12 ? `${mint.slice(0, 4)}...${mint.slice(-4)}` : mint);
