import type { Token } from "../domain/token.js";

/** Remote token lookup (Jupiter token search). */
export interface TokenSearch {
  /** Tokens matching a symbol, name or mint; throws RemoteError on failure. */
  search(query: string): Promise<Token[]>;
}

/** Tokens learned from search, cached in the database. */
export interface TokenCache {
  bySymbol(symbol: string): Promise<Token[]>;
  byMint(mint: string): Promise<Token | undefined>;
  put(tokens: readonly Token[], now: number): Promise<void>;
}
