import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTHING_EXECUTED, type Order } from "../../core/domain/order.js";
import { orderLine, routeFeesText } from "../../core/services/trade-format.js";
import { repositories, type Db, type Repositories } from "../../db/index.js";
import * as orderFees from "../../db/migrations/2026-12-06T1200-order-fees.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";

const SOL = { mint: "So11111111111111111111111111111111111111112", symbol: "SOL", decimals: 9 };
const USDC = { mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", symbol: "USDC", decimals: 6 };
const JUP = "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN";

function order(id: string, over: Partial<Order> = {}): Order {
  return {
    id,
    userId: "u-fees",
    mode: "paper",
    book: "paper",
    wallet: null,
    side: "buy",
    status: "previewed",
    input: USDC,
    output: SOL,
    inAmount: 20_000_000n,
    quotedOut: 133_000_000n,
    minOut: 132_000_000n,
    slippageBps: 50,
    priceImpactPct: 0.01,
    route: ["Whirlpool"],
    routeFees: null,
    simulated: false,
    quoteRaw: { opaque: true },
    usdValue: 20,
    createdAt: 1_000,
    quoteExpiresAt: 31_000,
    ...NOTHING_EXECUTED,
    notify: { platform: "telegram", chatId: "1" },
    ...over,
  };
}

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`an order's route fees and simulated-ness on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let d: Db;
    let r: Repositories;
    beforeAll(async () => {
      t = target.make();
      d = await t.open();
      r = repositories(d);
    });
    afterAll(async () => t?.cleanup());

    it("come back from the database as they were stored: fees per mint (past 2^63), none charged, unknown, simulated", async () => {
      const big = 2n ** 64n + 5n;
      const cases = [
        order("o_fees", { routeFees: [{ mint: USDC.mint, amount: 60_000n }, { mint: JUP, amount: big }] }),
        order("o_nofee", { routeFees: [] }),
        order("o_simulated", { routeFees: null, simulated: true, route: ["simulated at replayed prices, 0.3% fee"], quoteRaw: null }),
      ];
      for (const o of cases) await r.orders.create(o);
      for (const o of cases) {
        const back = await r.orders.get(o.id);
        expect(back).toEqual(o);
      }
      const listed = await r.orders.byUser("u-fees", 10);
      expect(Object.fromEntries(listed.map((o) => [o.id, [o.routeFees, o.simulated]]))).toEqual({
        o_fees: [[{ mint: USDC.mint, amount: 60_000n }, { mint: JUP, amount: big }], false],
        o_nofee: [[], false],
        o_simulated: [null, true],
      });
      const fees = await r.orders.get("o_fees");
      expect(fees && routeFeesText(fees)).toBe(`0.06 USDC + ${big} base units of JUPy...DvCN`);
      const none = await r.orders.get("o_nofee");
      expect(none && routeFeesText(none)).toBe("none charged by the route");
    });

    it("orders stored before the migration read as fees unknown, and the simulated ones among them are marked", async () => {
      const raw = d.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      await orderFees.down(raw);
      const base = { user_id: "u-old", mode: "paper", book: "paper", wallet: null, side: "buy", status: "filled", input_mint: USDC.mint, input_symbol: "USDC", input_decimals: 6,
        output_mint: SOL.mint, output_symbol: "SOL", output_decimals: 9, in_amount: "20000000", quoted_out: "133000000", min_out: "132000000", slippage_bps: 50,
        price_impact_pct: 0, route: '["Whirlpool"]', usd_value: 20, created_at: 5_000, quote_expires_at: 35_000, confirmed_at: 6_000, signature: null, raw_tx: null,
        last_valid_block_height: null, final_at: 6_000, told_at: 6_000, filled_in: "20000000", filled_out: "133000000", fee_lamports: null, error: null,
        notify_platform: "telegram", notify_chat: "1" };
      const jupiterQuote = { routePlan: [{ swapInfo: { ammKey: "k", label: "Whirlpool", feeAmount: "60000", feeMint: USDC.mint }, percent: 100 }] };
      await raw.insertInto("orders").values([
        { ...base, id: "o_old_jup", quote_json: JSON.stringify(jupiterQuote) },
        { ...base, id: "o_old_sim", quote_json: JSON.stringify({ simulated: true }), route: '["simulated at replayed prices, 0.3% fee"]' },
      ]).execute();
      await orderFees.up(raw);

      const jup = await r.orders.get("o_old_jup");
      const sim = await r.orders.get("o_old_sim");
      expect([jup?.routeFees, jup?.simulated, jup?.quoteRaw]).toEqual([null, false, jupiterQuote]);
      expect([sim?.routeFees, sim?.simulated]).toEqual([null, true]);
      // They still render: the fee line says nothing it does not know, the order line is whole.
      for (const o of [jup, sim]) {
        if (!o) throw new Error("old order not found");
        expect(routeFeesText(o)).toBeUndefined();
        expect(orderLine(o)[1]).toBe("buy 20 USDC -> 0.133 SOL (paper, filled, ~$20.00)");
      }
    });
  });
}
