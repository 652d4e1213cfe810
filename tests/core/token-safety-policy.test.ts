import { afterEach, describe, expect, it } from "vitest";
import { MemoryCache } from "../../adapters/memory/memory-cache.js";
import { needsRiskAck, RISK_ACK_LABEL, riskLines } from "../../core/domain/trade-risk.js";
import type { TokenSafetyPolicy } from "../../core/domain/token-safety.js";
import type { Token } from "../../core/domain/token.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { SimulatedSwap } from "../../core/services/simulated-swap.service.js";
import { TokenCardService } from "../../core/services/token-card.service.js";
import { TokenRegistry } from "../../core/services/token-registry.service.js";
import { TradingService } from "../../core/services/trading.service.js";
import { createDatabase, migrate, repositories, type Db } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";
import { testMarket } from "../helpers/market.js";
import { FakeTokenSources, MINTS } from "../helpers/token-safety.js";
import { StaticPrices } from "../helpers/trading-world.js";

const USER = "u1";
const CHAT = { platform: "console" as const, chatId: "local" };
const LISTED: Token[] = [
  { symbol: "CLEAN", name: "Clean", mint: MINTS.clean, decimals: 6, verified: true },
  { symbol: "FRZ", name: "Freezable", mint: MINTS.frozen, decimals: 6, verified: true },
  { symbol: "FEE", name: "Fee token", mint: MINTS.fee, decimals: 6, verified: true },
  { symbol: "WHALE", name: "Whales", mint: MINTS.whales, decimals: 6, verified: true },
];

const open: Db[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function world(opts: { policy?: TokenSafetyPolicy; allow?: string[]; safety?: boolean } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const db = createDatabase("sqlite::memory:");
  open.push(db);
  await migrate(db.db);
  const repos = repositories(db, clock);
  const prices = new StaticPrices(clock, { USDC: 1, SOL: 150, CLEAN: 1, FRZ: 1, FEE: 1, WHALE: 1 });
  const market = testMarket([prices], clock, { cacheTtlMs: 0 });
  const tokens = new TokenRegistry({
    cache: repos.tokens,
    memory: new MemoryCache(),
    clock,
    log: silentLogger,
    search: { search: async (q) => LISTED.filter((t) => t.mint === q || t.symbol === q.toUpperCase()) },
  });
  const sources = new FakeTokenSources();
  const cards = new TokenCardService({ tokens, market, chain: sources, info: sources, clock, log: silentLogger });
  const trading = new TradingService({
    orders: repos.orders,
    books: repos.books,
    wallets: repos.wallets,
    swap: new SimulatedSwap({ market, token: (m) => tokens.resolve(m), feeBps: 0 }),
    market,
    audit: repos.audit,
    clock,
    log: silentLogger,
    config: {
      mode: "paper",
      paperStartUsdc: 10_000,
      maxTradeUsd: 1000,
      dailyCapUsd: 5000,
      defaultSlippageBps: 100,
      maxSlippageBps: 300,
      maxPriceImpactPct: 2,
      quoteTtlMs: 30_000,
      takeoverMs: 120_000,
      allow: opts.allow ? new Set(opts.allow) : null,
      deny: new Set(),
      confirmWaitMs: 1000,
      pollMs: 50,
      resendEveryMs: 2000,
    },
    ...(opts.safety === false ? {} : { safety: { policy: opts.policy ?? "warn", report: (mint: string) => cards.safety(mint) } }),
    onEvent: async () => {},
  });
  const usdc = await tokens.resolve("USDC");
  /** Previews a buy of `symbol` for `usd` USDC, as /buy does. */
  const buy = async (symbol: string, usd = 100, placement = {}) => {
    const output = await tokens.resolve(symbol);
    const { book, wallet } = await trading.book(USER);
    return trading.previewIn({ userId: USER, book, wallet, mode: "paper" }, { side: "buy", input: usdc, output, amount: { kind: "units", units: BigInt(usd * 1e6) } }, CHAT, {}, placement);
  };
  const audit = async () => (await db.db.selectFrom("audit_log").select(["action"]).execute()).map((r) => r.action);
  return { trading, sources, buy, audit, tokens };
}

describe("TOKEN_SAFETY=warn (the default)", () => {
  it("a token with a red flag shows its flags, and Confirm without the acknowledgement is refused, nothing traded", async () => {
    const w = await world();
    const o = await w.buy("FRZ");
    expect(o.risk?.flags.map((f) => f.code)).toEqual(["freeze_authority"]);
    expect(needsRiskAck(o)).toBe(true);
    expect(riskLines(o)).toEqual([
      "RED Freeze authority present: the issuer can freeze your tokens so you cannot sell",
      `Confirm needs "${RISK_ACK_LABEL}".`,
    ]);
    await expect(w.trading.confirm(USER, o.id)).rejects.toMatchObject({
      code: "token_unsafe",
      message: `FRZ is risky (freeze authority present). Nothing was traded: press "${RISK_ACK_LABEL}" on the preview to go ahead anyway.`,
    });
    expect((await w.trading.order(USER, o.id)).status).toBe("previewed");
  });

  it("with the acknowledgement the same order fills, and the acknowledgement is audited", async () => {
    const w = await world();
    const o = await w.buy("WHALE");
    expect(o.risk?.flags[0]?.title).toBe("Top 10 holders own 91%");
    const r = await w.trading.confirm(USER, o.id, { acknowledgeRisk: true });
    expect(r.kind).toBe("filled");
    expect(await w.audit()).toContain("trade.risk_acknowledged");
  });

  it("the order's risk survives the database: a Confirm in another process still needs the acknowledgement", async () => {
    const w = await world();
    const o = await w.buy("FEE");
    const stored = await w.trading.order(USER, o.id);
    expect(stored.risk).toEqual(o.risk);
    expect(needsRiskAck(stored)).toBe(true);
  });

  it("a clean token needs nothing extra and carries no risk", async () => {
    const w = await world();
    const o = await w.buy("CLEAN");
    expect(o.risk).toBeUndefined();
    expect((await w.trading.confirm(USER, o.id)).kind).toBe("filled");
  });

  it("when the safety check cannot run (RPC down) the preview says 'safety unchecked' and Confirm needs the acknowledgement", async () => {
    const w = await world();
    for (const p of ["mintFacts", "largestHolders", "firstActivity"] as const) w.sources.set(p, "fail");
    const o = await w.buy("CLEAN");
    expect(o.risk?.unchecked).toEqual(["mint", "holders", "age"]);
    expect(riskLines(o)[0]).toBe("UNCHECKED safety unchecked (mint and freeze authorities, extensions, holder concentration, token age): the check could not run");
    await expect(w.trading.confirm(USER, o.id)).rejects.toMatchObject({ code: "token_unsafe" });
    expect((await w.trading.confirm(USER, o.id, { acknowledgeRisk: true })).kind).toBe("filled");
  });

  it("a transfer fee is taken out of what you receive: expected and minimum amounts are net of it", async () => {
    const w = await world();
    const o = await w.buy("FEE", 100);
    // 100 USDC at $1 each: the route sends 100 FEE; 5% of it is taken on the way in.
    expect(o.quotedOut).toBe(95_000_000n);
    expect(o.minOut).toBe(94_050_000n); // 99 FEE after 1% slippage, less 5%
    expect(o.risk?.transferFee).toEqual({ bps: 500, units: 5_000_000n });
    expect(riskLines(o)).toContain('Transfer fee: 5 FEE (5%) is already taken out of "Receive" and "Minimum"');
    const r = await w.trading.confirm(USER, o.id, { acknowledgeRisk: true });
    expect(r.order.filledOut).toBe(95_000_000n);
  });

  it("selling back into a built-in (USDC) is never held up: the token you receive is what is judged", async () => {
    const w = await world();
    const bought = await w.buy("FRZ");
    await w.trading.confirm(USER, bought.id, { acknowledgeRisk: true });
    const [frz, usdc] = await Promise.all([w.tokens.resolve("FRZ"), w.tokens.resolve("USDC")]);
    const sell = await w.trading.preview(USER, { side: "sell", input: frz, output: usdc, amount: { kind: "all" } }, CHAT);
    expect(sell.risk).toBeUndefined();
    expect((await w.trading.confirm(USER, sell.id)).kind).toBe("filled");
  });
});

describe("TOKEN_SAFETY=block", () => {
  it("refuses a red-flagged token at preview, listing the flags", async () => {
    const w = await world({ policy: "block" });
    await expect(w.buy("FEE")).rejects.toMatchObject({
      code: "token_unsafe",
      message: "Buying FEE is blocked on this bot (TOKEN_SAFETY=block):\n- Permanent delegate: an address can take or burn your tokens",
    });
  });

  it("fails closed: when the check cannot run, the trade is refused", async () => {
    const w = await world({ policy: "block" });
    w.sources.set("mintFacts", "fail");
    await expect(w.buy("CLEAN")).rejects.toMatchObject({ code: "token_unsafe", message: expect.stringContaining("safety unchecked (mint and freeze authorities, extensions)") });
  });

  it("lets a clean token through", async () => {
    const w = await world({ policy: "block" });
    expect((await w.trading.confirm(USER, (await w.buy("CLEAN")).id)).kind).toBe("filled");
  });
});

describe("the allowlist wins", () => {
  it("an allowlisted token passes without a check, under block too", async () => {
    const w = await world({ policy: "block", allow: [MINTS.frozen, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"] });
    const o = await w.buy("FRZ");
    expect(o.risk).toBeUndefined();
    expect(w.sources.calls).toEqual([]);
    expect((await w.trading.confirm(USER, o.id)).kind).toBe("filled");
  });
});

describe("automations (nobody at the keyboard)", () => {
  const auto = { orderId: "o_00000000000000a1", automation: { id: "a1", firing: 1 } };

  it("a firing on a flagged token is refused with the reason, not retried", async () => {
    const w = await world();
    await expect(w.buy("FRZ", 100, auto)).rejects.toMatchObject({
      code: "token_unsafe",
      message: "not traded: FRZ is risky (freeze authority present); automations never buy a flagged token without your acknowledgement",
      context: { retryable: false },
    });
  });

  it("a firing whose check could not run is refused as retryable", async () => {
    const w = await world();
    w.sources.set("largestHolders", "fail");
    await expect(w.buy("CLEAN", 100, auto)).rejects.toMatchObject({ code: "token_unsafe", context: { retryable: true } });
  });

  it("flags acknowledged when the automation was created let it trade, and only those", async () => {
    const w = await world();
    const o = await w.buy("FRZ", 100, { ...auto, acknowledgedRisk: ["freeze_authority"] });
    expect(o.risk?.acknowledged).toBe(true);
    expect((await w.trading.confirm(USER, o.id)).kind).toBe("filled");
    await expect(w.buy("FEE", 100, { orderId: "o_00000000000000a2", automation: { id: "a1", firing: 2 }, acknowledgedRisk: ["freeze_authority"] })).rejects.toMatchObject({
      code: "token_unsafe",
    });
  });
});

it("without a safety check wired, trading is as before", async () => {
  const w = await world({ safety: false });
  const o = await w.buy("FRZ");
  expect(o.risk).toBeUndefined();
  expect((await w.trading.confirm(USER, o.id)).kind).toBe("filled");
});
