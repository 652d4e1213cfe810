import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_TOKENS } from "../../../core/domain/builtin-tokens.js";
import { checkPrice } from "../../../core/domain/price.js";
import type { Token } from "../../../core/domain/token.js";
import { RemoteError } from "../../../core/errors.js";
import { PythHermesSource, pythToNumber } from "../../../adapters/prices/pyth-hermes.js";
import { FEED, startPythFake, type PythFake } from "../../fakes/pyth.js";

const tok = (symbol: string) => BUILTIN_TOKENS.find((t) => t.symbol === symbol) as Token;
const SOL = tok("SOL");
const USDC = tok("USDC");
const BONK = tok("BONK");
const WIF = tok("WIF"); // has a feed id the fake does not know
const NOFEED: Token = { symbol: "NOPE", name: "No feed", mint: "NoFeed1111111111111111111111111111111111111", decimals: 6, verified: false };
const quick = { ratePerSec: 0, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 1_000 };
const NOW_S = 1_767_268_800; // 2026-01-01T12:00:00Z

describe("pythToNumber", () => {
  it("computes price * 10^expo without multiplication noise", () => {
    expect(pythToNumber("14721543210", -8)).toBe(147.2154321);
    expect(pythToNumber("2345", -10)).toBe(2.345e-7);
    expect(pythToNumber("-5", 2)).toBe(-500);
    expect(pythToNumber("184136023127", -8)).toBe(1841.36023127);
    // the naive way is off in the last digit for this one; parsing the decimal is exact
    expect(Number("3") * 10 ** -8 === 3e-8).toBe(false);
    expect(pythToNumber("3", -8)).toBe(3e-8);
  });
});

describe("PythHermesSource", () => {
  let fake: PythFake;
  beforeEach(async () => {
    fake = await startPythFake({ nowS: NOW_S });
  });
  afterEach(async () => fake.close());

  it("batches every feed into one request and maps price, expo and publish_time", async () => {
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const prices = await src.getPrices([SOL, USDC, BONK, NOFEED]);
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.path).toBe("/v2/updates/price/latest");
    expect(req.query.getAll("ids[]").sort()).toEqual([FEED.SOL, FEED.USDC, FEED.BONK].sort());
    expect(req.query.get("parsed")).toBe("true");
    expect(prices.get(SOL.mint)).toEqual({ mint: SOL.mint, usd: 147.2154321, source: "pyth", at: NOW_S * 1000 });
    expect(prices.get(USDC.mint)?.usd).toBe(0.9999);
    expect(prices.get(BONK.mint)?.usd).toBe(2.345e-7);
    expect(prices.has(NOFEED.mint)).toBe(false);
    expect(src.name).toBe("pyth");
  });

  it("keeps the source's publish_time so a stale price can be recognised downstream", async () => {
    fake.setFeed(FEED.SOL, { publishTime: NOW_S - 3_600, price: "15000000000" });
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const q = (await src.getPrices([SOL])).get(SOL.mint)!;
    expect(q.at).toBe((NOW_S - 3_600) * 1000);
    expect(q.usd).toBe(150);
    expect(checkPrice(q, NOW_S * 1000, 60_000)).toBe("stale");
  });

  it("makes no request when no token has a feed", async () => {
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    expect((await src.getPrices([NOFEED])).size).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it("an unknown feed does not sink the batch: the others still come back", async () => {
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const prices = await src.getPrices([SOL, WIF]);
    expect(prices.has(SOL.mint)).toBe(true);
    expect(prices.has(WIF.mint)).toBe(false);
    expect(fake.requests[0]!.query.get("ignore_invalid_price_ids")).toBe("true");
  });

  it("accepts feed ids written with 0x or in upper case, and answers keyed by mint", async () => {
    const solUpper: Token = { ...SOL, pythFeedId: `0x${FEED.SOL.toUpperCase()}` };
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const prices = await src.getPrices([solUpper]);
    expect(fake.requests[0]!.query.getAll("ids[]")).toEqual([FEED.SOL]);
    expect(prices.get(SOL.mint)?.usd).toBe(147.2154321);
  });

  it("maps one feed to every token that shares it", async () => {
    const wsol: Token = { ...SOL, symbol: "WSOL2", mint: "WSoL111111111111111111111111111111111111111" };
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const prices = await src.getPrices([SOL, wsol]);
    expect(fake.requests[0]!.query.getAll("ids[]")).toEqual([FEED.SOL]);
    expect(prices.get(wsol.mint)?.usd).toBe(147.2154321);
    expect(prices.get(SOL.mint)?.usd).toBe(147.2154321);
  });

  it("a garbled price or expo comes back as NaN (for the market to reject and count), not dropped", async () => {
    fake.setFeed(FEED.USDC, { price: "abc" });
    fake.setFeed(FEED.BONK, { expo: "-8" as unknown as number });
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const prices = await src.getPrices([SOL, USDC, BONK]);
    for (const t of [USDC, BONK]) {
      expect(prices.get(t.mint)).toEqual({ mint: t.mint, usd: NaN, source: "pyth", at: NOW_S * 1000 });
      expect(checkPrice(prices.get(t.mint)!, NOW_S * 1000, 60_000)).toBe("nan");
    }
    expect(prices.get(SOL.mint)?.usd).toBe(147.2154321);
  });

  it("a price too large for a double is NaN-class garbage too", async () => {
    fake.setFeed(FEED.SOL, { price: "1", expo: 400 });
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const q = (await src.getPrices([SOL])).get(SOL.mint)!;
    expect(q.usd).toBe(Infinity);
    expect(checkPrice(q, NOW_S * 1000, 60_000)).toBe("nan");
  });

  it("a garbled publish_time gives at = NaN: judged stale downstream, never taken as fresh", async () => {
    fake.setFeed(FEED.SOL, { publishTime: "now" as unknown as number });
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const q = (await src.getPrices([SOL])).get(SOL.mint)!;
    expect(q.usd).toBe(147.2154321);
    expect(q.at).toBeNaN();
    expect(checkPrice(q, NOW_S * 1000, 60_000)).toBe("stale");
  });

  it("an entry without a usable id belongs to no feed and is skipped; a feed answered twice keeps the usable price", async () => {
    const price = { price: "15000000000", conf: "1", expo: -8, publish_time: NOW_S };
    fake.enqueue({
      body: {
        parsed: [
          { price },
          { id: 42, price },
          { id: FEED.SOL, price },
          { id: FEED.SOL, price: { ...price, price: "garbage" } },
          "garbage",
        ],
      },
    });
    const src = new PythHermesSource({ root: fake.url, resilience: quick });
    const prices = await src.getPrices([SOL, USDC]);
    expect([...prices.keys()]).toEqual([SOL.mint]);
    expect(prices.get(SOL.mint)?.usd).toBe(150);
  });

  it("retries a 503 and a timeout, then succeeds", async () => {
    fake.enqueue({ status: 503 }, { delayMs: 1_000 });
    const src = new PythHermesSource({ root: fake.url, resilience: { ...quick, timeoutMs: 150, retries: 2 } });
    const prices = await src.getPrices([SOL]);
    expect(prices.get(SOL.mint)?.usd).toBe(147.2154321);
    expect(fake.requests).toHaveLength(3);
  });

  it("an answer without `parsed` is a non-retryable RemoteError", async () => {
    fake.enqueue({ body: { binary: { encoding: "hex", data: [] } } });
    const src = new PythHermesSource({ root: fake.url, resilience: { ...quick, retries: 2 } });
    await expect(src.getPrices([SOL])).rejects.toSatisfy(
      (e: unknown) => e instanceof RemoteError && !e.retryable && /unexpected shape/.test(e.message),
    );
    expect(fake.requests).toHaveLength(1);
  });

  it("sends configured headers (a provider key) and keeps them out of errors", async () => {
    const key = "pyth-provider-key-987654321";
    fake.enqueue({ status: 403, body: `forbidden for ${key}` });
    const src = new PythHermesSource({ root: fake.url, headers: { "x-api-key": key }, resilience: quick });
    const e = await src.getPrices([SOL]).catch((x: unknown) => x as RemoteError);
    expect(fake.requests[0]!.headers["x-api-key"]).toBe(key);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).message).toContain("HTTP 403");
    expect((e as RemoteError).message).not.toContain(key);
  });
});
