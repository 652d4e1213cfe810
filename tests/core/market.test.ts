import { describe, expect, it } from "vitest";
import { MemoryPriceBus } from "../../adapters/memory/memory-bus.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { PriceQuote, PriceTick } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import { RemoteError } from "../../core/errors.js";
import type { PriceSource } from "../../core/ports/price-source.port.js";
import { FakeClock } from "../helpers/clock.js";
import { testMarket } from "../helpers/market.js";

const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;
const JUP = BUILTIN_TOKENS.find((t) => t.symbol === "JUP")!;

type Answer = number | "fail" | { usd: number; ageMs: number };

/** A scripted source: per call, per mint, what to answer. */
class StubSource implements PriceSource {
  readonly kind = "live" as const;
  calls: string[][] = [];
  constructor(
    readonly name: string,
    private readonly clock: FakeClock,
    public answers: Record<string, Answer> | "fail",
  ) {}
  async getPrices(tokens: readonly Token[]): Promise<Map<string, PriceQuote>> {
    this.calls.push(tokens.map((t) => t.symbol));
    if (this.answers === "fail") throw new RemoteError(this.name, "500", true, 500);
    const out = new Map<string, PriceQuote>();
    for (const t of tokens) {
      const a = this.answers[t.symbol];
      if (a === undefined || a === "fail") continue;
      const { usd, ageMs } = typeof a === "number" ? { usd: a, ageMs: 0 } : a;
      out.set(t.mint, { mint: t.mint, usd, source: this.name, at: this.clock.now() - ageMs });
    }
    return out;
  }
}

const market = (sources: StubSource[], clock: FakeClock, extra: Parameters<typeof testMarket>[2] = {}) => testMarket(sources, clock, extra);

describe("market service", () => {
  it("asks the first source and labels the price with its source and time", async () => {
    const clock = new FakeClock();
    const a = new StubSource("jupiter", clock, { SOL: 150 });
    const b = new StubSource("pyth", clock, { SOL: 151 });
    const m = market([a, b], clock);
    const q = await m.getPrice(SOL);
    expect(q).toMatchObject({ usd: 150, source: "jupiter", at: clock.now() });
    expect(b.calls).toHaveLength(0);
  });

  it.each([
    ["the first source failing", "fail" as const, { SOL: 150 as Answer }],
    ["NaN", { SOL: NaN }, { SOL: 150 }],
    ["zero", { SOL: 0 }, { SOL: 150 }],
    ["a negative price", { SOL: -3 }, { SOL: 150 }],
    ["a stale price", { SOL: { usd: 140, ageMs: 121_000 } }, { SOL: 150 }],
  ])("falls over to the next source on %s", async (_, first, second) => {
    const clock = new FakeClock();
    const m = market([new StubSource("jupiter", clock, first), new StubSource("pyth", clock, second)], clock);
    expect((await m.getPrice(SOL)).source).toBe("pyth");
  });

  it("counts every rejection by reason", async () => {
    const clock = new FakeClock();
    const m = market([new StubSource("a", clock, { SOL: NaN, JUP: { usd: 1, ageMs: 10 ** 6 } }), new StubSource("b", clock, "fail")], clock);
    expect((await m.getPrices([SOL, JUP])).size).toBe(0);
    expect(m.rejected).toMatchObject({ nan: 1, stale: 1 });
    expect(m.sourceErrors).toEqual({ b: 1 });
  });

  it("all sources failing is a clear 'unavailable', never a stale number", async () => {
    const clock = new FakeClock();
    const m = market([new StubSource("a", clock, "fail"), new StubSource("b", clock, { SOL: { usd: 99, ageMs: 500_000 } })], clock);
    await expect(m.getPrice(SOL)).rejects.toMatchObject({ code: "prices_unavailable" });
  });

  it("serves from cache within the TTL, and never a cached price that has gone stale", async () => {
    const clock = new FakeClock();
    const a = new StubSource("a", clock, { SOL: { usd: 150, ageMs: 118_000 } });
    const m = market([a], clock, { cacheTtlMs: 10_000 });
    await m.getPrice(SOL);
    await m.getPrice(SOL);
    expect(a.calls).toHaveLength(1);
    clock.advance(3000); // the cached quote is now 121 s old: refetch
    a.answers = { SOL: 151 };
    expect((await m.getPrice(SOL)).usd).toBe(151);
    expect(a.calls).toHaveLength(2);
  });

  it("batches many tokens into one request and coalesces concurrent asks", async () => {
    const clock = new FakeClock();
    const a = new StubSource("a", clock, { SOL: 150, JUP: 0.5 });
    const m = market([a], clock, { cacheTtlMs: 0 });
    const [x, y] = await Promise.all([m.getPrices([SOL, JUP]), m.getPrices([SOL])]);
    expect(a.calls).toEqual([["SOL", "JUP"]]);
    expect(x.size).toBe(2);
    expect(y.get(SOL.mint)?.usd).toBe(150);
  });

  it("rejects a price deviating from another source and asks the next", async () => {
    const clock = new FakeClock();
    const a = new StubSource("a", clock, { SOL: 150 });
    const b = new StubSource("b", clock, { SOL: 151 });
    const m = market([a, b], clock, { cacheTtlMs: 0 });
    m.track([SOL]);
    await m.pollOnce(); // both sources seen
    a.answers = { SOL: 200 }; // +33 % against b's 151
    const c = new StubSource("c", clock, {});
    const q = await m.getPrices([SOL]);
    expect(q.get(SOL.mint)?.source).toBe("b");
    expect(m.rejected.deviation).toBeGreaterThanOrEqual(1);
    void c;
  });

  it("two disagreeing sources in a poll publish nothing for that token", async () => {
    const clock = new FakeClock();
    const m = market([new StubSource("a", clock, { SOL: 150, JUP: 0.5 }), new StubSource("b", clock, { SOL: 190, JUP: 0.501 })], clock);
    const seen: PriceTick[] = [];
    (m as unknown as { o: { bus: MemoryPriceBus } }).o.bus.subscribe((t) => seen.push(...t));
    m.track([SOL, JUP]);
    const ticks = await m.pollOnce();
    expect(ticks.map((t) => t.symbol)).toEqual(["JUP"]);
    expect(seen.map((t) => t.symbol)).toEqual(["JUP"]);
  });

  it("a NaN or stale tick is never published on the stream", async () => {
    const clock = new FakeClock();
    const m = market([new StubSource("a", clock, { SOL: NaN, JUP: { usd: 0.5, ageMs: 200_000 } })], clock);
    m.track([SOL, JUP]);
    expect(await m.pollOnce()).toEqual([]);
  });

  it("auto mode: a probe finding no live source switches to replay", async () => {
    const clock = new FakeClock();
    const replay = {
      name: "replay",
      kind: "replay" as const,
      now: () => Date.UTC(2025, 2, 1),
      range: () => ({ from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 5, 18) }),
      getPrices: async (ts: readonly Token[]) =>
        new Map(ts.map((t) => [t.mint, { mint: t.mint, usd: 140, source: "replay", replay: true, at: Date.UTC(2025, 2, 1) }])),
      history: async () => [],
    };
    const m = market([new StubSource("a", clock, "fail")], clock, { replay });
    expect((await m.probe(SOL, 200)).reachable).toEqual([]);
    m.useReplay("test");
    expect(m.isReplay).toBe(true);
    expect(await m.getPrice(SOL)).toMatchObject({ usd: 140, replay: true, source: "replay" });
  });
});
