import type { TokenCard, TokenMarketInfo } from "../domain/token-card.js";
import type { PoolMints } from "../domain/pool-pair.js";
import type { AgeFacts, HolderFacts, MintFacts, SafetyReport } from "../domain/token-safety.js";

/** Reads a mint's safety facts from Solana RPC (adapters/solana). Each throws RemoteError when the RPC fails. */
export interface ChainTokenReader {
  /** The mint account: program, authorities, supply, Token-2022 extensions. Throws UserError bad_token when it is not a mint. */
  mintFacts(mint: string): Promise<MintFacts>;
  /** The largest token accounts with their owners, pools and burn addresses marked. */
  largestHolders(mint: string): Promise<HolderFacts>;
  /** When the mint was first seen on chain (oldest signature, bounded search). */
  firstActivity(mint: string): Promise<AgeFacts>;
  /**
   * The two mints of the DEX pool at this address (a DexScreener pair link names a pool, not a mint);
   * undefined when the account is no pool of a DEX the reader knows (or does not exist).
   */
  poolMints(address: string): Promise<PoolMints | undefined>;
}

/** Jupiter's token API for one mint (undefined: unknown to it). Throws RemoteError on failure. */
export interface TokenInfoSource {
  info(mint: string): Promise<TokenMarketInfo | undefined>;
}

/** Token cards as the commands use them (core/services/token-card.service.ts). */
export interface TokenCardsPort {
  /** The card for a symbol or mint; never throws for a failing source (the card is partial), throws UserError unknown_token/bad_token when the input names no token. */
  card(query: string): Promise<TokenCard>;
  /** The safety report alone (cached briefly per mint), for the trade policy. */
  safety(mint: string): Promise<SafetyReport>;
}
