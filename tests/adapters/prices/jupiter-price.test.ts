import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_TOKENS } from "../../../core/domain/builtin-tokens.js";
import { checkPrice } from "../../../core/domain/price.js";
import type { Token } from "../../../core/domain/token.js";
import { RemoteError } from "../../../core/errors.js";
import { JupiterPriceSource } from "../../../adapters/prices/jupiter-price.js";
import { CircuitOpenError } from "../../../adapters/prices/resilience.js";
import { FakeClock } from "../../helpers/clock.js";
import { MINT, startJupiterFake, type JupiterFake } from "../../fakes/jupiter-api.js";

const KEY = "jup-test-key-abcdef123456";
const tok = (symbol: string) => BUILTIN_TOKENS.find((t) => t.symbol === symbol) as Token;
const SOL = tok("SOL");
const JUP = tok("JUP");
const USDC = tok("USDC");
const BONK = tok("BONK");
/** Quick settings for tests: no rate limit, tiny back-off. */
const quick = { ratePerSec: 0, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 1_000 };

async function rejection(p: Promise<unknown>): Promise<RemoteError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RemoteError);
    return e as RemoteError;
  }
  throw new Error("expected a rejection");
}

describe("JupiterPriceSource", () => {
  let fake: JupiterFake;
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  beforeEach(async () => {
    fake = await startJupiterFake();
  });
  afterEach(async () => fake.close());

  it("asks for every mint in ONE request and maps the documented v3 payload", async () => {
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    const prices = await src.getPrices([SOL, JUP, USDC, SOL]);
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.path).toBe("/price/v3");
    expect(req.query.get("ids")!.split(",").sort()).toEqual([JUP.mint, SOL.mint, USDC.mint].sort());
    expect(prices.get(SOL.mint)).toEqual({
      mint: SOL.mint,
      usd: 147.4789340738336,
      source: "jupiter",
      at: clock.now(),
      change24hPct: 1.2907622140620008,
    });
    expect(prices.get(JUP.mint)?.usd).toBe(0.4056018512541055);
    expect(prices.has(USDC.mint)).toBe(false); // the API did not know it: absent, not invented
    expect(src.name).toBe("jupiter");
    expect(src.kind).toBe("live");
  });

  it("uses the clock at fetch time as `at`", async () => {
    const c = new FakeClock(1_000);
    const src = new JupiterPriceSource({ root: fake.url, clock: c, resilience: quick });
    expect((await src.getPrices([SOL])).get(SOL.mint)?.at).toBe(1_000);
    c.advance(5_000);
    expect((await src.getPrices([SOL])).get(SOL.mint)?.at).toBe(6_000);
  });

  it("chunks more than 50 mints into requests of at most 50 ids", async () => {
    const many: Token[] = Array.from({ length: 120 }, (_, i) => ({
      symbol: `T${i}`, name: `T${i}`, mint: `Mint${String(i).padStart(4, "0")}${"1".repeat(32)}`, decimals: 6, verified: false,
    }));
    for (const t of many) fake.setUsdPrice(t.mint, 1 + Number(t.symbol.slice(1)));
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    const prices = await src.getPrices(many);
    expect(fake.requests.map((r) => r.query.get("ids")!.split(",").length).sort()).toEqual([20, 50, 50]);
    expect(prices.size).toBe(120);
    expect(prices.get(many[119]!.mint)?.usd).toBe(120);
  });

  it("makes no request for an empty token list", async () => {
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    expect((await src.getPrices([])).size).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it("passes garbage prices on as NaN (for the market to reject and count), 0 and negatives unchanged", async () => {
    fake.setUsdPrice(USDC.mint, null);
    fake.setUsdPrice(BONK.mint, "NaN");
    fake.setUsdPrice(JUP.mint, 0);
    fake.setUsdPrice(SOL.mint, -1, null);
    const wif = tok("WIF");
    fake.setEntry(wif.mint, { blockId: 1, decimals: 6 });
    const jto = tok("JTO");
    fake.setEntry(jto.mint, "garbage");
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    const prices = await src.getPrices([SOL, JUP, USDC, BONK, wif, jto]);
    expect([...prices.keys()].sort()).toEqual([SOL, JUP, USDC, BONK, wif, jto].map((t) => t.mint).sort());
    for (const t of [USDC, BONK, wif, jto]) {
      expect(prices.get(t.mint)).toMatchObject({ mint: t.mint, usd: NaN, source: "jupiter", at: clock.now() });
      expect(checkPrice(prices.get(t.mint)!, clock.now(), 60_000)).toBe("nan");
    }
    expect(prices.get(jto.mint)).not.toHaveProperty("change24hPct");
    expect(prices.get(JUP.mint)?.usd).toBe(0);
    expect(prices.get(SOL.mint)?.usd).toBe(-1);
    expect(prices.get(SOL.mint)).not.toHaveProperty("change24hPct");
  });

  it("a mint the answer leaves out, or answers with null, has no price: absent, not NaN", async () => {
    const wif = tok("WIF");
    fake.setEntry(wif.mint, null);
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    const prices = await src.getPrices([SOL, USDC, wif]);
    expect([...prices.keys()]).toEqual([SOL.mint]);
  });

  it("a non-numeric 24h change is left out, the price kept", async () => {
    fake.setUsdPrice(SOL.mint, 150, "n/a");
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    const q = (await src.getPrices([SOL])).get(SOL.mint);
    expect(q).toEqual({ mint: SOL.mint, usd: 150, source: "jupiter", at: clock.now() });
  });

  it("sends x-api-key only when a key is configured", async () => {
    await new JupiterPriceSource({ root: fake.url, clock, resilience: quick }).getPrices([SOL]);
    await new JupiterPriceSource({ root: fake.url, apiKey: KEY, clock, resilience: quick }).getPrices([SOL]);
    expect(fake.requests[0]!.headers["x-api-key"]).toBeUndefined();
    expect(fake.requests[1]!.headers["x-api-key"]).toBe(KEY);
  });

  it("a rejected key is a non-retryable error that never shows the key", async () => {
    fake.requiredApiKey = "the-right-key-000000";
    const src = new JupiterPriceSource({ root: fake.url, apiKey: KEY, clock, resilience: quick });
    const e = await rejection(src.getPrices([SOL]));
    expect(e.retryable).toBe(false);
    expect(e.status).toBe(401);
    expect(fake.requests).toHaveLength(1);
    expect(`${e.message} ${String(e.stack)}`).not.toContain(KEY);
  });

  it("retries a 500 and returns the prices from the next answer", async () => {
    fake.enqueue({ status: 500 });
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    const prices = await src.getPrices([SOL]);
    expect(prices.get(SOL.mint)?.usd).toBe(147.4789340738336);
    expect(fake.requests).toHaveLength(2);
  });

  it("waits out a 429's Retry-After before asking again", async () => {
    fake.enqueue({ status: 429, retryAfterS: 1 });
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    const prices = await src.getPrices([SOL]);
    expect(prices.has(SOL.mint)).toBe(true);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it("a timeout is a retryable RemoteError", async () => {
    fake.enqueue({ delayMs: 1_500 });
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: { ...quick, timeoutMs: 100, retries: 0 } });
    const t0 = Date.now();
    const e = await rejection(src.getPrices([SOL]));
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/timed out/);
  });

  it("a slow first answer is retried within the same call", async () => {
    fake.enqueue({ delayMs: 1_500 });
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: { ...quick, timeoutMs: 150, retries: 1 } });
    expect((await src.getPrices([SOL])).has(SOL.mint)).toBe(true);
    expect(fake.requests).toHaveLength(2);
  });

  it("malformed JSON is a non-retryable RemoteError and is not retried", async () => {
    fake.enqueue({ body: "not json" });
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: { ...quick, retries: 3 } });
    const e = await rejection(src.getPrices([SOL]));
    expect(e).not.toBeInstanceOf(SyntaxError);
    expect(e.retryable).toBe(false);
    expect(fake.requests).toHaveLength(1);
  });

  it("a JSON answer of the wrong shape is a RemoteError", async () => {
    fake.enqueue({ body: [1, 2, 3] });
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: quick });
    const e = await rejection(src.getPrices([SOL]));
    expect(e.message).toMatch(/unexpected shape/);
  });

  it("opens the circuit after N failures, fails fast without a request, then half-opens", async () => {
    fake.enqueue({ status: 503 }, { status: 503 }, { status: 503 });
    const src = new JupiterPriceSource({
      root: fake.url, clock, resilience: { ...quick, retries: 0, breakerFailures: 3, halfOpenAfterMs: 200 },
    });
    for (let i = 0; i < 3; i++) expect((await rejection(src.getPrices([SOL]))).status).toBe(503);
    expect(fake.requests).toHaveLength(3);
    const open = await rejection(src.getPrices([SOL]));
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect(open.retryable).toBe(true);
    expect(fake.requests).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 250));
    expect((await src.getPrices([SOL])).has(SOL.mint)).toBe(true);
    expect(fake.requests).toHaveLength(4);
  });

  it("spaces requests with the shared rate limiter: 3 calls at 5/s take >= ~400 ms", async () => {
    const src = new JupiterPriceSource({ root: fake.url, clock, resilience: { ...quick, ratePerSec: 5 } });
    await Promise.all([src.getPrices([SOL]), src.getPrices([JUP]), src.getPrices([SOL, JUP])]);
    const at = fake.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(at).toHaveLength(3);
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(300); // 3 requests at 5/s: ~400 ms, minus arrival jitter on a busy machine
  });

  it("talks to the configured root, with or without a trailing slash", async () => {
    const src = new JupiterPriceSource({ root: `${fake.url}/`, clock, resilience: quick });
    await src.getPrices([SOL]);
    expect(fake.requests[0]!.path).toBe("/price/v3");
    expect(MINT.SOL).toBe(SOL.mint);
  });
});
