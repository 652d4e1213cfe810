import type { Token } from "../domain/token.js";

/** Remote token lookup (Jupiter token search). */
export interface TokenSearch {
  /** Tokens matching a symbol, name or mint; throws RemoteError on failure. */
  search(query: string): Promise<Token[]>;
}

/** Tokens learned from search, cached in the database (by mint only: a symbol is never answered from it). */
export interface TokenCache {
  byMint(mint: string): Promise<Token | undefined>;
  put(tokens: readonly Token[], now: number): Promise<void>;
}
