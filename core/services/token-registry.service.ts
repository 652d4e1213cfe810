import { BUILTIN_TOKENS, SYMBOL_ALIASES } from "../domain/builtin-tokens.js";
import { looksLikeMint, shortMint, type Token } from "../domain/token.js";
import { isUserError, RemoteError, UserError } from "../errors.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { TokenCache, TokenSearch } from "../ports/token-search.port.js";

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

/**
 * symbol <-> mint <-> decimals. Built-ins answer without I/O; anything else is looked up through
 * Jupiter's token search and cached in the database. A mint works wherever a symbol does.
 */
export class TokenRegistry {
  private readonly bySymbol = new Map<string, Token>();
  private readonly byMint = new Map<string, Token>();

  constructor(
    private readonly deps: { cache: TokenCache; search?: TokenSearch; clock: Clock; log: Logger; builtins?: readonly Token[] },
  ) {
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
    const cached = await this.deps.cache.bySymbol(symbol);
    if (cached.length === 1) return cached[0]!;
    if (cached.length > 1) throw new AmbiguousTokenError(q, rank(cached));
    const found = (await this.search(q)).filter((t) => t.symbol.toUpperCase() === symbol);
    if (!found.length) throw new UserError("unknown_token", `I don't know a token called ${symbol}. Check the symbol or use its mint address.`);
    await this.deps.cache.put(found, this.deps.clock.now());
    if (found.length === 1) return found[0]!;
    throw new AmbiguousTokenError(q, rank(found));
  }

  private async resolveMint(mint: string): Promise<Token> {
    const cached = await this.deps.cache.byMint(mint);
    if (cached) return cached;
    const found = (await this.search(mint)).find((t) => t.mint === mint);
    if (!found) throw new UserError("unknown_token", `No token found with mint ${shortMint(mint)}.`);
    await this.deps.cache.put([found], this.deps.clock.now());
    return found;
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
        `I couldn't look up ${q.slice(0, 20)} right now${retry ? "; try again in a minute" : ""}. Built-in tokens (SOL, USDC, JUP, ...) still work.`,
      );
    }
  }
}

/** Verified first, then built-in order, capped. */
function rank(ts: Token[]): Token[] {
  return [...ts].sort((a, b) => Number(b.verified) - Number(a.verified)).slice(0, MAX_CANDIDATES);
}
