import { afterEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { PriceQuote } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import { UserError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { TokenCardService } from "../../core/services/token-card.service.js";
import { FakeClock } from "../helpers/clock.js";
import { FakeTokenSources, marketInfo, MINTS } from "../helpers/token-safety.js";

const JUP = BUILTIN_TOKENS.find((t) => t.symbol === "JUP")!;

function world(opts: { priceHangs?: boolean; priceFails?: boolean } = {}) {
  const clock = new FakeClock();
  const sources = new FakeTokenSources();
  sources.market.set(MINTS.frozen, marketInfo(MINTS.frozen, { symbol: "FRZ" }));
  const released: Array<() => void> = [];
  const market = {
    now: () => clock.now(),
    async getPrice(t: Token): Promise<PriceQuote> {
      // Logged beside the chain's calls, so "everything started at once" is one list.
      sources.log(`price:${t.mint}`);
      if (opts.priceHangs) await new Promise<void>((r) => released.push(r));
      if (opts.priceFails) throw new UserError("prices_unavailable", "no price");
      return { mint: t.mint, usd: 0.0123, source: "jupiter", at: clock.now() - 4_000 };
    },
  };
  const tokens = {
    async resolve(q: string): Promise<Token> {
      const t = BUILTIN_TOKENS.find((x) => x.symbol === q.toUpperCase() || x.mint === q);
      if (!t) throw new UserError("unknown_token", `I don't know a token called ${q}.`);
      return t;
    },
  };
  const cards = new TokenCardService({ tokens, market, chain: sources, info: sources, clock, log: silentLogger, timeoutMs: 1500, cacheMs: 60_000 });
  return { clock, sources, cards, releasePrice: () => released.splice(0).forEach((r) => r()) };
}

const flagCodes = (c: { safety: { flags: Array<{ code: string; severity: string }> } | null }) => c.safety?.flags.map((f) => `${f.code}:${f.severity}`);

afterEach(() => {
  vi.useRealTimers();
});

describe("token cards", () => {
  it("each of the issue's mints shows exactly its flags", async () => {
    const { cards } = world();
    expect(flagCodes(await cards.card(MINTS.clean))).toEqual([]);
    expect(flagCodes(await cards.card(MINTS.frozen))).toEqual(["freeze_authority:red"]);
    expect(flagCodes(await cards.card(MINTS.fee))).toEqual(["permanent_delegate:red", "transfer_fee:warn"]);
    expect(flagCodes(await cards.card(MINTS.whales))).toEqual(["top_holders:red"]);
  });

  it("a mint the registry does not know still gets a full card, with market info, price source and age", async () => {
    const { cards } = world();
    const card = await cards.card(MINTS.frozen);
    expect(card.token).toBeNull();
    expect(card.market?.symbol).toBe("FRZ");
    expect(card.price).toEqual({ usd: 0.0123, source: "jupiter", ageMs: 4_000 });
    expect(card.partial).toEqual([]);
    expect(card.safety?.missing).toEqual([]);
  });

  it("a symbol is resolved through the registry; an unknown one is the registry's answer", async () => {
    const { cards, sources } = world();
    sources.chain.set(JUP.mint, sources.chain.get(MINTS.clean)!);
    const card = await cards.card("$jup");
    expect(card.mint).toBe(JUP.mint);
    expect(card.token?.symbol).toBe("JUP");
    await expect(cards.card("NOPE")).rejects.toMatchObject({ code: "unknown_token" });
  });

  it("an address the chain says is no mint is refused as bad_token, not shown as a partial card", async () => {
    const { cards } = world();
    await expect(cards.card("NotAMint11111111111111111111111111111111111")).rejects.toMatchObject({ code: "bad_token" });
  });

  it("asks every source at once: all five calls start before any answers", async () => {
    const { cards, sources, releasePrice } = world({ priceHangs: true });
    for (const p of ["mintFacts", "largestHolders", "firstActivity", "info"] as const) sources.set(p, "hang");
    const pending = cards.card(MINTS.frozen);
    await sources.started(5);
    expect([...sources.calls].sort()).toEqual(
      ["firstActivity", "info", "largestHolders", "mintFacts", "price"].map((p) => `${p}:${MINTS.frozen}`),
    );
    for (const p of ["mintFacts", "largestHolders", "firstActivity", "info"] as const) sources.set(p, "answer");
    sources.release();
    releasePrice();
    const card = await pending;
    expect(card.partial).toEqual([]);
    expect(flagCodes(card)).toEqual(["freeze_authority:red"]);
  });

  it("a hanging source does not hold the card: at the timeout it comes back partial, saying which part is missing", async () => {
    vi.useFakeTimers();
    const { cards, sources } = world();
    sources.set("largestHolders", "hang").set("info", "hang");
    let done = false;
    const pending = cards.card(MINTS.frozen).finally(() => (done = true));
    await vi.advanceTimersByTimeAsync(1499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const card = await pending;
    expect(card.partial).toEqual(["market", "safety"]);
    expect(card.market).toBeNull();
    expect(card.safety?.missing).toEqual(["holders"]);
    expect(card.safety?.top10Pct).toBeNull();
    // What did answer still counts: the freeze authority is shown.
    expect(flagCodes(card)).toEqual(["freeze_authority:red"]);
    expect(card.price?.source).toBe("jupiter");
  });

  it("a failing RPC gives a card with the safety section marked unchecked, never 'no flags'", async () => {
    const { cards, sources } = world({ priceFails: true });
    for (const p of ["mintFacts", "largestHolders", "firstActivity"] as const) sources.set(p, "fail");
    const card = await cards.card(MINTS.frozen);
    expect(card.partial).toEqual(["price", "safety"]);
    expect(card.safety?.missing).toEqual(["mint", "holders", "age"]);
    expect(card.safety?.flags).toEqual([]);
    expect(card.price).toBeNull();
  });

  it("reuses a complete report and market info for the cache time, then checks again", async () => {
    const { cards, sources, clock } = world();
    await cards.card(MINTS.frozen);
    await cards.card(MINTS.frozen);
    await cards.safety(MINTS.frozen);
    const count = (p: string) => sources.calls.filter((c) => c.startsWith(p)).length;
    expect([count("mintFacts"), count("largestHolders"), count("firstActivity"), count("info")]).toEqual([1, 1, 1, 1]);
    clock.advance(60_000);
    await cards.card(MINTS.frozen);
    expect([count("mintFacts"), count("info")]).toEqual([2, 2]);
  });

  it("does not keep a partial report: the next ask checks the chain again", async () => {
    const { cards, sources } = world();
    sources.set("firstActivity", "fail");
    expect((await cards.safety(MINTS.clean)).missing).toEqual(["age"]);
    sources.set("firstActivity", "answer");
    expect((await cards.safety(MINTS.clean)).missing).toEqual([]);
    expect(sources.calls.filter((c) => c.startsWith("mintFacts"))).toHaveLength(2);
  });

  it("concurrent asks for one mint share one round of RPC calls", async () => {
    const { cards, sources } = world();
    sources.set("mintFacts", "hang");
    const reports = Promise.all([cards.safety(MINTS.whales), cards.safety(MINTS.whales)]);
    const cardsAsked = Promise.all([cards.card(MINTS.whales), cards.card(MINTS.whales)]);
    await sources.started(3);
    sources.set("mintFacts", "answer");
    sources.release();
    const [a, b] = await reports;
    const [c, d] = await cardsAsked;
    expect(sources.calls.filter((x) => x.startsWith("mintFacts") || x.startsWith("largestHolders") || x.startsWith("firstActivity"))).toHaveLength(3);
    expect(sources.calls.filter((x) => x.startsWith("info"))).toHaveLength(1);
    expect(b).toBe(a);
    expect(c.safety).toBe(a);
    expect(d.safety).toBe(a);
    expect(flagCodes(c)).toEqual(["top_holders:red"]);
  });

  it("a Jupiter outage leaves the market part out and says so", async () => {
    const { cards, sources } = world();
    sources.set("info", "fail");
    const card = await cards.card(MINTS.clean);
    expect(card.partial).toEqual(["market"]);
    expect(card.safety?.missing).toEqual([]);
    expect(sources.calls).toContain(`info:${MINTS.clean}`);
  });
});
