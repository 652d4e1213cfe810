import { BUILTIN_TOKENS, SYMBOL_ALIASES } from "../domain/builtin-tokens.js";
import { looksLikeMint, shortMint, type Token } from "../domain/token.js";
import { isUserError, RemoteError, UserError } from "../errors.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { TokenCache, TokenSearch } from "../ports/token-search.port.js";
import type { TokensPort } from "../ports/tokens.port.js";
import type { Cache } from "../ports/price-bus.port.js";

export interface TokenChoice {
  token: Token;
  label: string;
}

/** Thrown when a symbol matches several mints: never guessed, the user picks. */
export class AmbiguousTokenError extends UserError {
  constructor(
    readonly query: string,
    readonly candidates: Token[],
  ) {
    super(
      "ambiguous_token",
      `"${query.slice(0, 20)}" matches ${candidates.length} tokens. Pick one (or use its mint address):\n` +
        candidates.map((t) => `- ${choiceLabel(t)}`).join("\n"),
      { query, candidates: candidates.map((t) => t.mint) },
    );
  }
}

export const choiceLabel = (t: Token) =>
  `${t.symbol} - ${t.name.slice(0, 32)} (${shortMint(t.mint)})${t.verified ? " verified" : " UNVERIFIED"}`;

const MAX_CANDIDATES = 8;
/** How long the answer of a symbol search is reused before the search is asked again. */
export const SYMBOL_SEARCH_TTL_MS = 10 * 60_000;
/** Symbol searches remembered at most (oldest dropped first). */

/**
 * symbol <-> mint <-> decimals. Built-ins answer without I/O; anything else is looked up through
 * Jupiter's token search. A mint works wherever a symbol does.
 *
 * A symbol that is not a built-in means exactly what a symbol search says it means: the whole
 * answer of the search (every token with that symbol) is kept for `symbolTtlMs`, then asked for
 * again. Tokens found by mint are written to the token cache (the database) so that the next
 * lookup of that mint needs no search, but that cache never answers a symbol: one user's
 * `/price <mint>` must not decide what a symbol means for everyone, and a row there says nothing
 * about which other tokens share its symbol.
 */
export class TokenRegistry implements TokensPort {
  private readonly bySymbol = new Map<string, Token>();
  private readonly byMint = new Map<string, Token>();
  private readonly symbolTtlMs: number;

  constructor(
    private readonly deps: {
      cache: TokenCache;
      /**
       * Where symbol searches are remembered for `symbolTtlMs`: the shared cache (Redis with several
       * processes, so every process gives a symbol the same meaning), bounded by the cache itself.
       */
      memory: Cache;
      search?: TokenSearch;
      clock: Clock;
      log: Logger;
      builtins?: readonly Token[];
      /** Default SYMBOL_SEARCH_TTL_MS. */
      symbolTtlMs?: number;
    },
  ) {
    this.symbolTtlMs = deps.symbolTtlMs ?? SYMBOL_SEARCH_TTL_MS;
    for (const t of deps.builtins ?? BUILTIN_TOKENS) {
      this.bySymbol.set(t.symbol.toUpperCase(), t);
      this.byMint.set(t.mint, t);
    }
  }

  builtins(): Token[] {
    return [...this.byMint.values()];
  }

  /** Synchronous lookup of a built-in by symbol, alias or mint. */
  builtin(q: string): Token | undefined {
    const up = q.trim().toUpperCase();
    return this.byMint.get(q.trim()) ?? this.bySymbol.get(SYMBOL_ALIASES[up] ?? up);
  }

  async resolve(raw: string): Promise<Token> {
    const q = raw.trim().replace(/^\$/, "");
    if (!q) throw new UserError("unknown_token", "Which token? Give a symbol like SOL or a mint address.");
    if (q.length > 64) throw new UserError("unknown_token", "That is too long to be a token symbol or mint.");
    const known = this.builtin(q);
    if (known) return known;
    if (looksLikeMint(q)) return this.resolveMint(q);
    if (!/^[A-Za-z0-9._-]{1,20}$/.test(q)) {
      throw new UserError("unknown_token", `"${q.slice(0, 20)}" is not a token symbol.`);
    }
    const symbol = q.toUpperCase();
    const found = await this.searchSymbol(q, symbol);
    if (!found.length) throw new UserError("unknown_token", `I don't know a token called ${symbol}. Check the symbol or use its mint address.`);
    if (found.length === 1) return found[0]!;
    throw new AmbiguousTokenError(q, rank(found));
  }

  /**
   * Every token whose symbol is exactly `symbol`, from a symbol search: a remembered one younger
   * than the TTL, else a new one. Never from the token cache (see the class comment).
   */
  private async searchSymbol(q: string, symbol: string): Promise<Token[]> {
    const now = this.deps.clock.now();
    const key = `tokens:symbol:${symbol}`;
    const hit = await this.deps.memory.get<{ tokens: Token[]; at: number }>(key).catch(() => undefined);
    if (hit && Array.isArray(hit.tokens) && now >= hit.at && now - hit.at < this.symbolTtlMs) return hit.tokens;
    const byMint = new Map<string, Token>();
    for (const t of await this.search(q)) {
      if (t.symbol.toUpperCase() === symbol && !byMint.has(t.mint)) byMint.set(t.mint, t);
    }
    const found = [...byMint.values()];
    // "Not found" is not remembered: a token launched a minute later is found on the next ask.
    if (!found.length) return found;
    const at = this.deps.clock.now();
    await this.deps.memory.set(key, { tokens: found, at }, this.symbolTtlMs).catch((err: unknown) => this.deps.log.warn({ err }, "symbol search not remembered"));
    await this.remember(found, at);
    return found;
  }

  private async resolveMint(mint: string): Promise<Token> {
    const cached = await this.deps.cache.byMint(mint);
    if (cached) return cached;
    const found = (await this.search(mint)).find((t) => t.mint === mint);
    if (!found) throw new UserError("unknown_token", `No token found with mint ${shortMint(mint)}.`);
    await this.remember([found], this.deps.clock.now());
    return found;
  }

  /** Caches tokens for mint lookups. Best effort: the answer in hand is right either way. */
  private async remember(tokens: readonly Token[], now: number): Promise<void> {
    try {
      await this.deps.cache.put(tokens, now);
    } catch (err) {
      this.deps.log.warn({ err, mints: tokens.map((t) => t.mint) }, "token cache write failed");
    }
  }

  private async search(q: string): Promise<Token[]> {
    if (!this.deps.search) return [];
    try {
      return await this.deps.search.search(q);
    } catch (err) {
      if (isUserError(err)) throw err;
      this.deps.log.warn({ err, q }, "token search failed");
      const retry = err instanceof RemoteError && err.retryable;
      throw new UserError(
        "token_lookup_failed",
        `I couldn't look up ${q.length > 20 ? shortMint(q) : q} right now${retry ? "; try again in a minute" : ""}. Built-in tokens (SOL, USDC, JUP, ...) still work.`,
      );
    }
  }
}

/** Verified first, then built-in order, capped. */
function rank(ts: Token[]): Token[] {
  return [...ts].sort((a, b) => Number(b.verified) - Number(a.verified)).slice(0, MAX_CANDIDATES);
}
