/**
 * A pasted DEX pool address (a DexScreener pair link names the pool, not a mint): the card service asks
 * the chain which mints the pool trades and shows the token's card, within the card's one deadline.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PoolMints } from "../../core/domain/pool-pair.js";
import type { Token } from "../../core/domain/token.js";
import { UserError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { TokenCardService } from "../../core/services/token-card.service.js";
import { FakeClock } from "../helpers/clock.js";
import { FakeTokenSources, MINTS } from "../helpers/token-safety.js";

const SOL = "So11111111111111111111111111111111111111112";
const USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const POOL = "Poo1Raydium111111111111111111111111111111111";
const pool = (mints: [string, string], dex = "Raydium AMM v4"): PoolMints => ({ program: "675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8", dex, mints });

function world() {
  const clock = new FakeClock();
  const sources = new FakeTokenSources();
  const market = {
    now: () => clock.now(),
    getPrice: async (t: Token) => ({ mint: t.mint, usd: 0.5, source: "jupiter", at: clock.now() }),
  };
  const tokens = { resolve: async (q: string): Promise<Token> => Promise.reject(new UserError("unknown_token", `unknown ${q}`)) };
  const cards = new TokenCardService({ tokens, market, chain: sources, info: sources, clock, log: silentLogger, timeoutMs: 1500, cacheMs: 60_000 });
  return { sources, cards };
}

const codes = (c: { safety: { flags: Array<{ code: string }> } | null }) => c.safety?.flags.map((f) => f.code);

afterEach(() => {
  vi.useRealTimers();
});

describe("token cards for a pasted pool address", () => {
  it("shows the card of the token the pool trades (not SOL), saying which pool it came from", async () => {
    const { cards, sources } = world();
    sources.pools.set(POOL, pool([SOL, MINTS.frozen]));
    const card = await cards.card(POOL);
    expect(card.mint).toBe(MINTS.frozen);
    expect(card.pool).toEqual({ address: POOL, dex: "Raydium AMM v4" });
    expect(codes(card)).toEqual(["freeze_authority"]);
    expect(card.partial).toEqual([]);
    // The pool was looked up only once the chain said the address is no mint.
    const order = sources.calls.filter((c) => c.startsWith("mintFacts") || c.startsWith("poolMints"));
    expect(order).toEqual([`mintFacts:${POOL}`, `poolMints:${POOL}`, `mintFacts:${MINTS.frozen}`]);
  });

  it("takes the side that is not USDC whichever way round the pool names them", async () => {
    const { cards, sources } = world();
    sources.pools.set(POOL, pool([MINTS.whales, USDC], "Meteora DLMM"));
    const card = await cards.card(POOL);
    expect(card.mint).toBe(MINTS.whales);
    expect(card.pool?.dex).toBe("Meteora DLMM");
    expect(codes(card)).toEqual(["top_holders"]);
  });

  it("a pool of two base assets shows the first", async () => {
    const { cards, sources } = world();
    sources.chain.set(SOL, sources.chain.get(MINTS.clean)!);
    sources.pools.set(POOL, pool([SOL, USDC], "Orca Whirlpool"));
    expect((await cards.card(POOL)).mint).toBe(SOL);
  });

  it("an address that is neither a mint nor a pool still answers the chain's clear bad_token", async () => {
    const { cards, sources } = world();
    const err = await cards.card(POOL).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "bad_token" });
    expect((err as UserError).message).toMatch(/is not a token mint/);
    expect(sources.calls).toContain(`poolMints:${POOL}`);
  });

  it("a mint never triggers a pool lookup", async () => {
    const { cards, sources } = world();
    await cards.card(MINTS.clean);
    expect(sources.calls.some((c) => c.startsWith("poolMints"))).toBe(false);
  });

  it("a failing pool lookup leaves the bad_token answer", async () => {
    const { cards, sources } = world();
    sources.pools.set(POOL, pool([SOL, MINTS.frozen]));
    sources.set("poolMints", "fail");
    await expect(cards.card(POOL)).rejects.toMatchObject({ code: "bad_token" });
  });

  it("a hanging pool lookup answers bad_token at the card's deadline, not later", async () => {
    vi.useFakeTimers();
    const { cards, sources } = world();
    sources.pools.set(POOL, pool([SOL, MINTS.frozen]));
    sources.set("poolMints", "hang");
    let done = false;
    const pending = cards.card(POOL).catch((e: unknown) => e).finally(() => (done = true));
    await vi.advanceTimersByTimeAsync(1499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ code: "bad_token" });
  });

  it("the token's own checks share the card's deadline: a hanging one makes the card partial at 1.5 s in all", async () => {
    vi.useFakeTimers();
    const { cards, sources } = world();
    sources.pools.set(POOL, pool([SOL, MINTS.frozen]));
    sources.set("largestHolders", "hang");
    let done = false;
    const pending = cards.card(POOL).finally(() => (done = true));
    await vi.advanceTimersByTimeAsync(1499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const card = await pending;
    expect(card.mint).toBe(MINTS.frozen);
    expect(card.pool?.address).toBe(POOL);
    expect(card.safety?.missing).toEqual(["holders"]);
    expect(codes(card)).toEqual(["freeze_authority"]);
  });
});
