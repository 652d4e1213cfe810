import { describe, expect, it } from "vitest";
import type { Token } from "../../core/domain/token.js";
import { RemoteError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { TokenCache, TokenSearch } from "../../core/ports/token-search.port.js";
import { AmbiguousTokenError, SYMBOL_SEARCH_TTL_MS, TokenRegistry } from "../../core/services/token-registry.service.js";
import { FakeClock } from "../helpers/clock.js";
import { MemoryCache } from "../../adapters/memory/memory-cache.js";

class MapCache implements TokenCache {
  rows = new Map<string, Token>();
  async bySymbol(s: string) {
    return [...this.rows.values()].filter((t) => t.symbol.toUpperCase() === s.toUpperCase());
  }
  async byMint(m: string) {
    return this.rows.get(m);
  }
  async put(ts: readonly Token[]) {
    for (const t of ts) this.rows.set(t.mint, t);
  }
}

const tok = (symbol: string, mint: string, verified = true): Token => ({ symbol, name: `${symbol} token`, mint, decimals: 6, verified });
const POPCAT = tok("POPCAT", "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
const FAKE1 = tok("MOON", "MoonA1111111111111111111111111111111111111", false);
const FAKE2 = tok("MOON", "MoonB2222222222222222222222222222222222222", true);

function registry(results: Token[] | "fail" | ((q: string) => Token[]) = [], cache = new MapCache()) {
  const calls: string[] = [];
  const search: TokenSearch = {
    async search(q) {
      calls.push(q);
      if (results === "fail") throw new RemoteError("jupiter-tokens", "timeout", true);
      return typeof results === "function" ? results(q) : results;
    },
  };
  const clock = new FakeClock();
  return { reg: new TokenRegistry({ cache, memory: new MemoryCache(), search, clock, log: silentLogger }), calls, cache, clock };
}

/** Jupiter-like search: a mint finds that token; anything else finds tokens whose symbol contains it. */
const searchOver = (all: Token[]) => (q: string) =>
  all.filter((t) => t.mint === q || t.symbol.toUpperCase().includes(q.toUpperCase()));

describe("token registry", () => {
  it("resolves built-ins by symbol, alias, $-prefix and mint without any lookup", async () => {
    const { reg, calls } = registry();
    expect((await reg.resolve("sol")).mint).toBe("So11111111111111111111111111111111111111112");
    expect((await reg.resolve("$JUP")).decimals).toBe(6);
    expect((await reg.resolve("btc")).symbol).toBe("WBTC");
    expect((await reg.resolve("DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263")).symbol).toBe("BONK");
    expect(calls).toEqual([]);
  });

  it("looks up other symbols through search once, then from the cache", async () => {
    const { reg, calls } = registry([POPCAT, tok("POPCATX", "Pop2222222222222222222222222222222222222222")]);
    expect((await reg.resolve("popcat")).mint).toBe(POPCAT.mint);
    expect((await reg.resolve("POPCAT")).mint).toBe(POPCAT.mint);
    expect(calls).toEqual(["popcat"]);
  });

  it("never guesses an ambiguous symbol: candidates with name, short mint and verified flag", async () => {
    const { reg } = registry([FAKE1, FAKE2]);
    const err = await reg.resolve("moon").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousTokenError);
    const e = err as AmbiguousTokenError;
    expect(e.candidates.map((t) => t.mint)).toEqual([FAKE2.mint, FAKE1.mint]); // verified first
    expect(e.message).toContain("MOON - MOON token (Moon...2222) verified");
    expect(e.message).toContain("UNVERIFIED");
  });

  it("a mint address works wherever a symbol does", async () => {
    const { reg } = registry([POPCAT]);
    expect((await reg.resolve(POPCAT.mint)).symbol).toBe("POPCAT");
  });

  it("a lookup by a scam token's mint never decides what its symbol means: the user still picks", async () => {
    const SCAM = tok("MOON", "ScamMoon11111111111111111111111111111111111", false);
    const { reg, calls } = registry(searchOver([FAKE2, SCAM]));
    expect((await reg.resolve(SCAM.mint)).mint).toBe(SCAM.mint); // someone prices the scam by mint
    const err = await reg.resolve("MOON").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousTokenError);
    expect((err as AmbiguousTokenError).candidates.map((t) => t.mint)).toEqual([FAKE2.mint, SCAM.mint]);
    expect(calls).toEqual([SCAM.mint, "MOON"]); // the symbol was searched, not answered from the mint's row
  });

  it("a token cached by mint is not an answer for its symbol: only what the search says is", async () => {
    const SCAM = tok("MOON", "ScamMoon11111111111111111111111111111111111", false);
    const cache = new MapCache();
    await cache.put([SCAM]); // e.g. left by an earlier /price <mint>, or by an older run
    const { reg } = registry([FAKE2], cache);
    expect((await reg.resolve("moon")).mint).toBe(FAKE2.mint);
    expect((await reg.resolve(SCAM.mint)).mint).toBe(SCAM.mint); // the mint itself still works, from the cache
  });

  it("a scam token named like a built-in never shadows the built-in", async () => {
    const SCAM_JUP = tok("JUP", "ScamJup111111111111111111111111111111111111", false);
    const { reg, calls } = registry([SCAM_JUP]);
    expect((await reg.resolve(SCAM_JUP.mint)).verified).toBe(false);
    expect((await reg.resolve("JUP")).mint).toBe("JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN");
    expect(calls).toEqual([SCAM_JUP.mint]);
  });

  it("remembered symbol searches expire: a token that appears later makes the symbol ambiguous", async () => {
    const listed: Token[] = [FAKE2];
    const { reg, calls, clock } = registry(() => [...listed]);
    expect((await reg.resolve("MOON")).mint).toBe(FAKE2.mint);
    listed.push(FAKE1); // a second MOON is launched
    clock.advance(SYMBOL_SEARCH_TTL_MS - 1);
    expect((await reg.resolve("MOON")).mint).toBe(FAKE2.mint); // still the remembered answer
    expect(calls).toEqual(["MOON"]);
    clock.advance(1);
    const err = await reg.resolve("MOON").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousTokenError);
    expect(calls).toEqual(["MOON", "MOON"]);
  });

  it("an ambiguous answer is remembered as ambiguous, and a failed search is not remembered", async () => {
    let down = false;
    const { reg, calls, clock } = registry((q) => {
      if (down) throw new RemoteError("jupiter-tokens", "timeout", true);
      return searchOver([FAKE1, FAKE2])(q);
    });
    await expect(reg.resolve("moon")).rejects.toBeInstanceOf(AmbiguousTokenError);
    await expect(reg.resolve("MOON")).rejects.toBeInstanceOf(AmbiguousTokenError);
    expect(calls).toEqual(["moon"]);
    clock.advance(SYMBOL_SEARCH_TTL_MS);
    down = true;
    await expect(reg.resolve("MOON")).rejects.toMatchObject({ code: "token_lookup_failed" });
    down = false;
    await expect(reg.resolve("MOON")).rejects.toBeInstanceOf(AmbiguousTokenError);
    expect(calls).toEqual(["moon", "MOON", "MOON"]);
  });

  it("says clearly when a token is unknown, garbage, or the lookup is down", async () => {
    expect(await registry([]).reg.resolve("NOPE").catch((e: { code: string }) => e.code)).toBe("unknown_token");
    expect(await registry([]).reg.resolve("<b>x</b>").catch((e: { message: string }) => e.message)).toContain("not a token symbol");
    expect(await registry([]).reg.resolve("x".repeat(100)).catch((e: { code: string }) => e.code)).toBe("unknown_token");
    const down = await registry("fail").reg.resolve("WEN").catch((e: { code: string; message: string }) => e);
    expect(down).toMatchObject({ code: "token_lookup_failed" });
    expect((down as { message: string }).message).toContain("try again");
    // a long address is named in its short form, never cut into something that looks like another address
    const mint = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr";
    const long = await registry("fail").reg.resolve(mint).catch((e: { message: string }) => e.message);
    expect(long).toContain("I couldn't look up 7GCi...W2hr right now");
  });
});
