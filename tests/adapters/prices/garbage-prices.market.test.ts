import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JupiterPriceSource } from "../../../adapters/prices/jupiter-price.js";
import { PythHermesSource } from "../../../adapters/prices/pyth-hermes.js";
import { BUILTIN_TOKENS } from "../../../core/domain/builtin-tokens.js";
import type { RejectReason } from "../../../core/domain/price.js";
import type { Token } from "../../../core/domain/token.js";
import type { PriceSource } from "../../../core/ports/price-source.port.js";
import { FakeClock } from "../../helpers/clock.js";
import { FEED, startPythFake, type PythFake } from "../../fakes/pyth.js";
import { MINT, startJupiterFake, type JupiterFake } from "../../fakes/jupiter-api.js";
import { testMarket } from "../../helpers/market.js";

/**
 * The real price adapters behind the real market service: a garbage price from a source is
 * rejected and counted ("nan", the hook behind purser_price_rejected_total{source,reason}),
 * and the next source answers.
 */
const tok = (symbol: string) => BUILTIN_TOKENS.find((t) => t.symbol === symbol) as Token;
const SOL = tok("SOL");
const JUP = tok("JUP");
const quick = { ratePerSec: 0, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 1_000 };

let jup: JupiterFake;
let pyth: PythFake;
const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));

beforeEach(async () => {
  jup = await startJupiterFake();
  pyth = await startPythFake({ nowS: clock.now() / 1000 });
});
afterEach(async () => {
  await jup.close();
  await pyth.close();
});

function market(order: Array<"jupiter" | "pyth">) {
  const rejections: Array<[string, RejectReason]> = [];
  const live = order.map(
    (name): PriceSource =>
      name === "jupiter"
        ? new JupiterPriceSource({ root: jup.url, clock, resilience: quick })
        : new PythHermesSource({ root: pyth.url, resilience: quick }),
  );
  const m = testMarket(live, clock, { cacheTtlMs: 0, onReject: (source, reason) => rejections.push([source, reason]) });
  return { m, rejections };
}

describe("garbage prices from the real adapters", () => {
  it.each([
    ["a NaN string", "NaN"],
    ["null", null],
    ["a numeric string", "147.48"],
  ])("Jupiter answering %s: rejected, counted as nan, and Pyth answers", async (_, garbage) => {
    jup.setUsdPrice(MINT.SOL, garbage);
    const { m, rejections } = market(["jupiter", "pyth"]);
    const q = await m.getPrice(SOL);
    expect(q).toMatchObject({ source: "pyth", usd: 147.2154321 });
    expect(m.rejected.nan).toBe(1);
    expect(rejections).toEqual([["jupiter", "nan"]]);
  });

  it("Jupiter's garbage for one token costs only that token", async () => {
    jup.setEntry(MINT.SOL, "garbage");
    const { m, rejections } = market(["jupiter", "pyth"]);
    const prices = await m.getPrices([SOL, JUP]);
    expect(prices.get(SOL.mint)?.source).toBe("pyth");
    expect(prices.get(JUP.mint)).toMatchObject({ source: "jupiter", usd: 0.4056018512541055 });
    expect(rejections).toEqual([["jupiter", "nan"]]);
  });

  it("Pyth answering a garbled price: rejected, counted as nan, and Jupiter answers", async () => {
    pyth.setFeed(FEED.SOL, { price: "not-a-number" });
    const { m, rejections } = market(["pyth", "jupiter"]);
    expect((await m.getPrice(SOL)).source).toBe("jupiter");
    expect(m.rejected.nan).toBe(1);
    expect(rejections).toEqual([["pyth", "nan"]]);
  });

  it("both garbled: counted twice, and 'unavailable', never a number", async () => {
    jup.setUsdPrice(MINT.SOL, "NaN");
    pyth.setFeed(FEED.SOL, { expo: "x" as unknown as number });
    const { m, rejections } = market(["jupiter", "pyth"]);
    await expect(m.getPrice(SOL)).rejects.toMatchObject({ code: "prices_unavailable" });
    expect(rejections).toEqual([
      ["jupiter", "nan"],
      ["pyth", "nan"],
    ]);
    expect(m.rejected.nan).toBe(2);
  });

  it("the price poll counts garbage too and publishes the other source's price", async () => {
    jup.setUsdPrice(MINT.SOL, "NaN");
    const { m, rejections } = market(["jupiter", "pyth"]);
    m.track([SOL]);
    const ticks = await m.pollOnce();
    expect(ticks.map((t) => `${t.symbol}@${t.source}`)).toEqual(["SOL@pyth"]);
    expect(rejections).toEqual([["jupiter", "nan"]]);
  });
});
