import type { Token } from "../domain/token.js";

/** What a user typed as a token (symbol, alias, `$SYM` or mint) made into one token. */
export interface TokensPort {
  /** Throws UserError unknown_token, or an ambiguous-token error carrying the candidates (never a guess). */
  resolve(raw: string): Promise<Token>;
}
