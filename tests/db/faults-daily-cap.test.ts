import { afterEach, describe, expect, it } from "vitest";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { Order } from "../../core/domain/order.js";
import { isUserError } from "../../core/errors.js";
import type { SwapProvider } from "../../core/ports/trading.port.js";
import type { TradingService } from "../../core/services/trading.service.js";
import type { Db } from "../../db/index.js";
import { makeTestApp } from "../helpers/app.js";
import { FakeClock } from "../helpers/clock.js";
import { sharedTestDatabases, type TestDb } from "../helpers/databases.js";
import { StaticPrices } from "../helpers/trading-world.js";

/*
 * The daily trade cap holds when Confirm is pressed on many previews at once: ten $900 previews
 * against a $5,000 cap, all confirmed together, in one process and across two (two independent Db
 * instances over one database, each with its own trading service). Never more than the cap fills.
 */

const token = (symbol: string) => {
  const t = BUILTIN_TOKENS.find((x) => x.symbol === symbol);
  if (!t) throw new Error(`no builtin ${symbol}`);
  return t;
};
const USDC = token("USDC");
const JUP = token("JUP");
const CAP = 5000;

/** Jupiter as paper trading sees it, at JUP = $0.50: 1 USDC buys 2 JUP. */
const swap: SwapProvider = {
  async quote(req) {
    const out = req.amount * 2n;
    return { ...req, inAmount: req.amount, outAmount: out, minOutAmount: (out * 995n) / 1000n, priceImpactPct: 0, route: ["stub"], fees: [], raw: {} };
  },
  async buildSwap() {
    throw new Error("paper trading never builds a transaction");
  },
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tradingOver(d: Db, clock: FakeClock): Promise<TradingService> {
  const app = await makeTestApp({
    db: d,
    clock,
    env: { TRADING_MODE: "paper", PAPER_START_USDC: "20000", MAX_TRADE_USD: "1000", DAILY_TRADE_CAP_USD: String(CAP), PRICE_CACHE_TTL_MS: "0" },
    market: { live: [new StaticPrices(clock)], replay: null },
    trading: { swap, chain: null },
  });
  cleanups.push(() => app.close());
  return app.services.trading;
}

interface Tally {
  previews: number;
  filled: number;
  refused: number;
  other: string[];
  filledUsd: number;
}

/** Ten $900 previews, then every Confirm at once, spread over the given services. */
async function pressAll(services: TradingService[], user: string): Promise<Tally> {
  const orders: Order[] = [];
  for (let i = 0; i < 10; i++) {
    const s = services[i % services.length] as TradingService;
    orders.push(await s.preview(user, { side: "buy", input: USDC, output: JUP, amount: { kind: "units", units: 900_000_000n } }, { platform: "telegram", chatId: "1" }));
  }
  const results = await Promise.allSettled(orders.map((o, i) => (services[i % services.length] as TradingService).confirm(user, o.id)));
  const tally: Tally = { previews: orders.length, filled: 0, refused: 0, other: [], filledUsd: 0 };
  for (const r of results) {
    if (r.status === "fulfilled" && r.value.kind === "filled") {
      tally.filled++;
      tally.filledUsd += r.value.order.usdValue;
    } else if (r.status === "rejected" && isUserError(r.reason) && r.reason.code === "daily_cap") tally.refused++;
    else tally.other.push(r.status === "fulfilled" ? r.value.kind : String(r.reason));
  }
  return tally;
}

for (const t of sharedTestDatabases()) {
  describe.skipIf(t.skip)(`${t.name}: the daily cap against Confirm pressed at once${t.skip ? ` (skipped: ${t.skip})` : ""}`, () => {
    for (const procs of [1, 2]) {
      it(`${procs === 1 ? "one process" : "two processes"}: ten $900 previews confirmed at once against a $${CAP} cap fill at most $${CAP}`, async () => {
        const tdb: TestDb = t.make();
        cleanups.push(() => tdb.cleanup());
        const clock = new FakeClock();
        const services: TradingService[] = [];
        for (let i = 0; i < procs; i++) services.push(await tradingOver(await tdb.open(), clock));
        const tally = await pressAll(services, "cap-user");
        console.info(`[faults-daily-cap] ${t.name}, ${procs} process(es): ${JSON.stringify(tally)}`);
        expect(tally.filledUsd).toBeLessThanOrEqual(CAP);
        expect(tally).toEqual({ previews: 10, filled: 5, refused: 5, other: [], filledUsd: 4500 });
        const spent = (await services[0]?.orders("cap-user", 20)) ?? [];
        expect(spent.filter((o) => o.status === "filled")).toHaveLength(5);
      }, 30_000);
    }

    it("one preview confirmed from two processes at once fills once; the other press is told it is already done", async () => {
      const tdb: TestDb = t.make();
      cleanups.push(() => tdb.cleanup());
      const clock = new FakeClock();
      const a = await tradingOver(await tdb.open(), clock);
      const b = await tradingOver(await tdb.open(), clock);
      const o = await a.preview("twice", { side: "buy", input: USDC, output: JUP, amount: { kind: "units", units: 900_000_000n } }, { platform: "telegram", chatId: "1" });
      // A cap with room for this order once: the second press must read "already", not "over the cap".
      const kinds = (await Promise.all([a.confirm("twice", o.id, { dailyCapUsd: 1000 }), b.confirm("twice", o.id, { dailyCapUsd: 1000 })]))
        .map((r) => r.kind)
        .sort();
      expect(kinds).toEqual(["already", "filled"]);
    });
  });
}
