import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RemoteError } from "../../../core/errors.js";
import { JupiterPriceSource } from "../../../adapters/prices/jupiter-price.js";
import { JupiterTokenInfo } from "../../../adapters/prices/jupiter-token-info.js";
import { JupiterTokenSearch } from "../../../adapters/prices/jupiter-tokens.js";
import { createResilience } from "../../../adapters/prices/resilience.js";
import { FakeClock } from "../../helpers/clock.js";
import { MINT, startJupiterFake, type JupiterFake } from "../../fakes/jupiter-api.js";

const quick = { ratePerSec: 0, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 1_000 };
const KEY = "jup-search-key-1234567890";

describe("JupiterTokenSearch", () => {
  let fake: JupiterFake;
  beforeEach(async () => {
    fake = await startJupiterFake();
  });
  afterEach(async () => fake.close());

  it("maps the documented search answer to tokens, ignoring extra fields", async () => {
    const search = new JupiterTokenSearch({ root: fake.url, resilience: quick });
    const found = await search.search("jup");
    expect(found).toEqual([{ symbol: "JUP", name: "Jupiter", mint: MINT.JUP, decimals: 6, verified: true }]);
    const req = fake.requests[0]!;
    expect(req.path).toBe("/tokens/v2/search");
    expect(req.query.get("query")).toBe("jup");
  });

  it("two asks for one query at once (a search and a card's market info) share one request; a failed search is asked again", async () => {
    const search = new JupiterTokenSearch({ root: fake.url, resilience: quick });
    const info = new JupiterTokenInfo({ root: fake.url, resilience: quick, search });
    const [tokens, market] = await Promise.all([search.search(MINT.JUP), info.info(MINT.JUP)]);
    expect(tokens.map((t) => t.symbol)).toEqual(["JUP"]);
    expect(market?.symbol).toBe("JUP");
    expect(fake.requests.map((r) => r.query.get("query"))).toEqual([MINT.JUP]);

    fake.searchFailure = { status: 500 };
    await expect(search.search("bonk")).rejects.toBeInstanceOf(RemoteError);
    fake.searchFailure = null;
    expect((await search.search("bonk")).map((t) => t.mint)).toEqual([MINT.BONK]);
    expect(fake.requests.filter((r) => r.query.get("query") === "bonk").length).toBeGreaterThanOrEqual(2);
  });

  it("skips malformed entries and keeps the good ones", async () => {
    const good = { id: "GoodMint1111111111111111111111111111111111", name: "Good Dog", symbol: "GDOG", decimals: 6, isVerified: false, extra: { a: 1 } };
    fake.tokens = [
      null,
      42,
      "GDOG",
      { name: "no id dog", symbol: "GDOG", decimals: 6 },
      { id: "not a mint!", name: "bad mint dog", symbol: "GDOG", decimals: 6 },
      { id: "BadDec111111111111111111111111111111111111", name: "dog str decimals", symbol: "GDOG", decimals: "6" },
      { id: "NegDec111111111111111111111111111111111111", name: "dog neg decimals", symbol: "GDOG", decimals: -1 },
      { id: "NoSym1111111111111111111111111111111111111", name: "dog", decimals: 6 },
      good,
      { ...good, name: "Good Dog duplicate" },
      { id: "TagVer111111111111111111111111111111111111", symbol: "GDOG", decimals: 9, tags: ["verified"] },
    ];
    const search = new JupiterTokenSearch({ root: fake.url, resilience: quick });
    const found = await search.search("gdog");
    expect(found).toEqual([
      { symbol: "GDOG", name: "Good Dog", mint: good.id, decimals: 6, verified: false },
      { symbol: "GDOG", name: "GDOG", mint: "TagVer111111111111111111111111111111111111", decimals: 9, verified: true },
    ]);
  });

  it("encodes the query and sends the API key when one is set", async () => {
    const search = new JupiterTokenSearch({ root: fake.url, apiKey: KEY, resilience: quick });
    await search.search("  wif & co?  ");
    expect(fake.requests[0]!.query.get("query")).toBe("wif & co?");
    expect(fake.requests[0]!.headers["x-api-key"]).toBe(KEY);
  });

  it("an empty query asks nothing", async () => {
    const search = new JupiterTokenSearch({ root: fake.url, resilience: quick });
    expect(await search.search("   ")).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it("an answer that is not an array is a non-retryable RemoteError", async () => {
    fake.enqueue({ body: { tokens: [] } });
    const search = new JupiterTokenSearch({ root: fake.url, resilience: quick });
    const e = await search.search("sol").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).retryable).toBe(false);
  });

  it("shares one rate bucket with the price source when given the same Resilience", async () => {
    const shared = createResilience({ ...quick, name: "jupiter", ratePerSec: 5 });
    const prices = new JupiterPriceSource({ root: fake.url, clock: new FakeClock(), resilience: shared });
    const search = new JupiterTokenSearch({ root: fake.url, resilience: shared });
    await Promise.all([search.search("jup"), prices.getPrices([]), search.search("sol"), search.search("bonk")]);
    const at = fake.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(at).toHaveLength(3);
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(300); // 3 requests at 5/s: ~400 ms, minus arrival jitter on a busy machine
  });
});
