import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JupiterTokenInfo } from "../../adapters/prices/jupiter-token-info.js";
import { RemoteError } from "../../core/errors.js";
import { MINT, startJupiterFake, type JupiterFake } from "../fakes/jupiter-api.js";
import { SAFETY_MARKET, safetySearchEntry } from "../fakes/jupiter-safety-tokens.js";
import { SAFETY_MINTS, type SafetyMintKey } from "../fakes/solana/safety-mints.js";

const quick = { ratePerSec: 0, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 1_000 };
const NOW = Date.parse("2026-12-06T12:00:00.000Z");
const KEYS = Object.keys(SAFETY_MINTS) as SafetyMintKey[];
const caught = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe("JupiterTokenInfo", () => {
  let fake: JupiterFake;
  let info: JupiterTokenInfo;
  beforeEach(async () => {
    fake = await startJupiterFake({ safetyTokens: { now: NOW } });
    info = new JupiterTokenInfo({ root: fake.url, resilience: quick });
  });
  afterEach(async () => fake.close());

  it("reads the clean token's market card from its Tokens API V2 entry", async () => {
    expect(await info.info(SAFETY_MINTS.clean.mint)).toEqual({
      mint: SAFETY_MINTS.clean.mint,
      name: "Clean Coin",
      symbol: "CLEAN",
      decimals: 6,
      priceUsd: 1.25,
      priceChange24hPct: 3.2,
      liquidityUsd: 2_500_000,
      mcapUsd: 16_050,
      fdvUsd: 16_050,
      volume24hUsd: 800_000,
      holderCount: 80,
      verified: true,
      organicScore: 91.5,
      organicLabel: "high",
      tags: ["verified", "community"],
      createdAt: NOW - 400 * 86_400_000,
    });
    const req = fake.requests[0]!;
    expect(req.path).toBe("/tokens/v2/search");
    expect(req.query.get("query")).toBe(SAFETY_MINTS.clean.mint);
  });

  it.each(KEYS)("reads the %s token's price, liquidity, volume and organic label", async (key) => {
    const m = SAFETY_MARKET[key];
    const got = await info.info(SAFETY_MINTS[key].mint);
    expect(got).toMatchObject({
      symbol: SAFETY_MINTS[key].symbol,
      priceUsd: m.usdPrice,
      liquidityUsd: m.liquidity,
      volume24hUsd: m.buyVolume + m.sellVolume,
      verified: m.isVerified,
      organicLabel: m.organicScoreLabel,
    });
  });

  it("sends the API key when one is configured", async () => {
    fake.requiredApiKey = "jup-info-key-1234567890";
    const keyed = new JupiterTokenInfo({ root: fake.url, apiKey: "jup-info-key-1234567890", resilience: quick });
    expect((await keyed.info(MINT.JUP))?.symbol).toBe("JUP");
    expect(fake.requests[0]!.headers["x-api-key"]).toBe("jup-info-key-1234567890");
  });

  it("answers undefined for a mint Jupiter does not list, even when other tokens match the query", async () => {
    const other = SAFETY_MINTS.clean.mint;
    fake.tokens = [{ ...safetySearchEntry("freezable", NOW), name: `look-alike of ${other}` }];
    expect(await info.info(other)).toBeUndefined();
  });

  it("asks nothing for text that is not a mint address", async () => {
    expect(await info.info("bonk")).toBeUndefined();
    expect(fake.requests).toHaveLength(0);
  });

  it("reads a wrong field as unknown and keeps the good ones", async () => {
    const mint = SAFETY_MINTS.concentrated.mint;
    fake.tokens = [
      null,
      "garbage",
      {
        id: mint,
        name: "  Whale\u0000 Bag ",
        symbol: 42,
        decimals: -3,
        usdPrice: -1,
        liquidity: "lots",
        mcap: null,
        fdv: 1e9,
        holderCount: 12.5,
        isVerified: "yes",
        organicScore: 250,
        organicScoreLabel: "stellar",
        tags: ["community", 7, null, "x".repeat(41)],
        stats24h: { priceChange: "up", buyVolume: 100, sellVolume: "many" },
        firstPool: { id: "p", createdAt: "yesterday-ish" },
      },
    ];
    expect(await info.info(mint)).toEqual({
      mint,
      name: "Whale Bag",
      symbol: null,
      decimals: null,
      priceUsd: null,
      priceChange24hPct: null,
      liquidityUsd: null,
      mcapUsd: null,
      fdvUsd: 1e9,
      volume24hUsd: null,
      holderCount: null,
      verified: null,
      organicScore: null,
      organicLabel: null,
      tags: ["community"],
      createdAt: null,
    });
  });

  it("reads an entry with only an id as a card of unknowns", async () => {
    const mint = SAFETY_MINTS.hooked.mint;
    fake.tokens = [{ id: mint, stats24h: "n/a", firstPool: 3, tags: "verified" }];
    const got = await info.info(mint);
    expect(got).toMatchObject({ mint, name: null, symbol: null, priceUsd: null, volume24hUsd: null, tags: [], createdAt: null, verified: null });
  });

  it("fails with a non-retryable RemoteError when the answer is not JSON or not a list", async () => {
    fake.enqueue({ body: "<html>login</html>" });
    const notJson = await caught(info.info(SAFETY_MINTS.clean.mint));
    expect(notJson).toBeInstanceOf(RemoteError);
    expect((notJson as RemoteError).retryable).toBe(false);
    fake.enqueue({ body: { tokens: [] } });
    const notList = await caught(info.info(SAFETY_MINTS.clean.mint));
    expect(notList).toBeInstanceOf(RemoteError);
    expect((notList as RemoteError).retryable).toBe(false);
  });

  it("fails with a retryable RemoteError while the search is down, and reads again once it is back", async () => {
    fake.searchFailure = { status: 503 };
    const err = await caught(info.info(SAFETY_MINTS.clean.mint));
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).retryable).toBe(true);
    expect((err as RemoteError).status).toBe(503);
    fake.searchFailure = null;
    expect((await info.info(SAFETY_MINTS.clean.mint))?.symbol).toBe("CLEAN");
  });

  it("fails with a non-retryable RemoteError on a refused key", async () => {
    fake.searchFailure = { status: 401, body: { error: "Invalid API key" } };
    const err = await caught(info.info(SAFETY_MINTS.clean.mint));
    expect((err as RemoteError).retryable).toBe(false);
  });

  it("fails with a retryable RemoteError when nothing listens", async () => {
    const url = fake.url;
    await fake.close();
    const err = await caught(new JupiterTokenInfo({ root: url, resilience: quick }).info(SAFETY_MINTS.clean.mint));
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).retryable).toBe(true);
    fake = await startJupiterFake();
  });
});
