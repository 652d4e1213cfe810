import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/index.js";
import { HOUR, replayApp, solAt, type ReplayRun } from "../helpers/automation-replay.js";
import { armedBy, autoOrders, automationRow, expectedFiring, firings, iso, outboxStates } from "../helpers/automation-facts.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";

/*
 * Issue 17's acceptance on REAL prices: the whole app (router, commands, automation service and
 * engine, trading, outbox) on the bundled SOL/USDT hourly history, on SQLite and (when
 * TEST_DATABASE_URL is set) Postgres. The test is the price poller: each tick is one replayed hour,
 * fully processed (engine idle, outbox drained) before the next, so "not before" means every earlier
 * tick was judged and fired nothing.
 *
 * SOL on 2025-01-07: 217.78 at 00:00, 205.06 at 18:00, 204.56 at 19:00, 204.36 at 20:00 (a stop at
 * 205 is crossed at 19:00 and confirmed by the 20:00 tick); 200.11 at 01-08 02:00, 198.67 at 03:00
 * (a limit buy at 200 fills at 03:00). It stays above 150 for weeks.
 */

const JAN7 = "2025-01-07T00:00:00Z";
const T0 = Date.parse(JAN7);
const summary: string[] = [];
const NEAR_PCT = 1.5; // fill within 1.5% of the trigger level: the move of one hour plus the 0.3% paper fee

afterAll(() => {
  if (summary.length) console.info(summary.join("\n"));
});

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`automations on replayed SOL, whole app, ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let db: Db;
    let r: ReplayRun;
    const note = (s: string) => summary.push(`[automations e2e ${target.name}] ${s}`);

    beforeEach(async () => {
      t = target.make();
      db = await t.open();
    });
    afterEach(async () => {
      await r?.close();
      await t.cleanup();
    });

    const start = async (at = JAN7) => {
      r = await replayApp({ start: at, db });
      return r;
    };
    /** Buys `usdc` of SOL now (paper), so there is a position to protect. */
    const holdSol = async (usdc = 2000) => {
      const b = await r.confirm(`/buy SOL ${usdc}`);
      expect(b.confirmed).toMatch(/Filled/);
    };
    const arm = (text: string) => armedBy(db, () => r.confirm(text));

    it("a stop at 205 set on 2025-01-07 00:00 sells once when the replay crosses it (confirmed by the next tick), near 205, never before", async () => {
      await start();
      await holdSol();
      const id = await arm("/stop SOL at 205");
      const ref = expectedFiring({ kind: "level", side: "below", level: 205, confirm: true }, T0, 72)!;
      const seen: Array<{ at: number; usd: number; orders: number }> = [];
      await r.until(async (tk) => {
        const n = (await autoOrders(db, id)).length;
        seen.push({ at: r.now(), usd: tk?.usd ?? NaN, orders: n });
        return n > 0;
      }, 72);
      const fired = seen[seen.length - 1]!;
      // Never before: every earlier tick was processed with no order; the tick before the firing was the first at or below 205.
      expect(seen.slice(0, -1).every((s) => s.orders === 0)).toBe(true);
      expect(fired.at).toBe(ref.at);
      expect(seen[seen.length - 2]!.usd).toBeLessThanOrEqual(205);
      expect(seen.slice(0, -2).every((s) => s.usd > 205)).toBe(true);
      // A few more hours of a falling price: still one order.
      for (let i = 0; i < 6; i++) await r.tick();
      const orders = await autoOrders(db, id);
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ side: "sell", status: "filled", firing: 1 });
      expect(Math.abs(orders[0]!.fillUsd! - 205) / 205).toBeLessThan(NEAR_PCT / 100);
      expect((await automationRow(db, id)).state).toBe("done");
      expect(r.pushes.some((p) => /filled|sold/i.test(p.text) && p.text.includes(id))).toBe(true);
      note(`stop 205: crossed ${iso(seen[seen.length - 2]!.at)} at ${seen[seen.length - 2]!.usd}, fired ${iso(fired.at)} at tick ${fired.usd}, filled at ${orders[0]!.fillUsd!.toFixed(2)} USD/SOL (order ${orders[0]!.id})`);
    });

    it("a limit buy at 200 fills once near 200", async () => {
      await start();
      const id = await arm("/limit buy SOL 500 at 200");
      const ticks = await r.until(async () => (await autoOrders(db, id)).length > 0, 72);
      const last = ticks[ticks.length - 1]!;
      expect(last.usd).toBeLessThanOrEqual(200);
      expect(ticks.slice(0, -1).every((tk) => tk.usd > 200)).toBe(true);
      for (let i = 0; i < 12; i++) await r.tick();
      const orders = await autoOrders(db, id);
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ side: "buy", status: "filled" });
      expect(Math.abs(orders[0]!.fillUsd! - 200) / 200).toBeLessThan(NEAR_PCT / 100);
      expect((await automationRow(db, id)).state).toBe("done");
      note(`limit buy 200: fired ${iso(last.at)} at tick ${last.usd}, filled at ${orders[0]!.fillUsd!.toFixed(2)} USD/SOL`);
    });

    it("a limit buy at 150 stays armed while SOL trades above it, and /auto says so", async () => {
      await start();
      const id = await arm("/limit buy SOL 500 at 150");
      let low = Infinity;
      for (let i = 0; i < 96; i++) low = Math.min(low, (await r.tick())!.usd);
      expect(low).toBeGreaterThan(150);
      expect(await autoOrders(db, id)).toHaveLength(0);
      expect(await firings(db, id)).toHaveLength(0);
      expect((await automationRow(db, id)).state).toBe("armed");
      const list = await r.app.say("/auto");
      expect(list.text).toContain(id);
      expect(list.text).toMatch(/armed/i);
      note(`limit buy 150: 96 ticks (low ${low}), nothing fired, still armed`);
    });

    it("a trailing stop follows the rise of 2025-01-16..19 (high persisted) and fires on the fall", async () => {
      const from = "2025-01-16T00:00:00Z";
      await start(from);
      await holdSol();
      const id = await arm("/trail SOL 10%");
      const ref = expectedFiring({ kind: "trail", f: 0.1, high: solAt(Date.parse(from)) }, Date.parse(from), 24 * 8)!;
      let maxHigh = 0;
      const ticks = await r.until(async () => {
        maxHigh = Math.max(maxHigh, (await automationRow(db, id)).high ?? 0);
        return (await autoOrders(db, id)).length > 0;
      }, 24 * 8);
      const last = ticks[ticks.length - 1]!;
      expect(maxHigh).toBeGreaterThan(solAt(Date.parse(from)) * 1.2); // it followed the rise
      expect(last.at).toBe(ref.at);
      expect(last.usd).toBeLessThanOrEqual(maxHigh * 0.9);
      const orders = await autoOrders(db, id);
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ side: "sell", status: "filled" });
      note(`trail 10% from ${from} (${solAt(Date.parse(from))}): high reached ${maxHigh}, fired ${iso(last.at)} at ${last.usd}, filled at ${orders[0]!.fillUsd!.toFixed(2)}`);
    });

    it("a DCA every 6h times 3 makes exactly 3 buys on the replayed clock", async () => {
      await start();
      const id = await arm("/dca SOL 50 every 6h times 3");
      for (let i = 0; i < 36; i++) await r.tick();
      const orders = await autoOrders(db, id);
      expect(orders.map((o) => [o.firing, o.side, o.status])).toEqual([
        [1, "buy", "filled"],
        [2, "buy", "filled"],
        [3, "buy", "filled"],
      ]);
      const f = await firings(db, id);
      expect(f.map((x) => x.at - T0)).toEqual([0, 6 * HOUR, 12 * HOUR]); // at the Confirm, then every 6 replayed hours
      expect((await automationRow(db, id)).state).toBe("done");
      note(`dca 6h x3: buys at ${f.map((x) => iso(x.at)).join(", ")}, fills ${orders.map((o) => o.fillUsd!.toFixed(2)).join(", ")}`);
    });

    it("a stop and a take-profit on the same holding are one-cancels-other: the stop fires, the take-profit is cancelled and the user told", async () => {
      await start();
      await holdSol();
      const stop = await arm("/stop SOL at 205");
      const tp = await arm("/tp SOL at 230");
      await r.until(async () => (await autoOrders(db, stop)).length > 0, 72);
      for (let i = 0; i < 3; i++) await r.tick();
      expect(await autoOrders(db, stop)).toHaveLength(1);
      expect(await autoOrders(db, tp)).toHaveLength(0);
      expect((await automationRow(db, tp)).state).toBe("cancelled");
      expect(r.pushes.some((p) => p.text.includes(tp) && /cancel/i.test(p.text))).toBe(true);
      const list = await r.app.say("/auto");
      expect(list.text).toMatch(new RegExp(`${tp}[^\\n]*cancelled`, "i"));
    });

    it("/trades shows which automation placed the order", async () => {
      await start();
      const id = await arm("/limit buy SOL 500 at 200");
      await r.until(async () => (await autoOrders(db, id)).length > 0, 72);
      const trades = await r.app.say("/trades");
      const orderId = (await autoOrders(db, id))[0]!.id;
      const line = trades.text.split("\n").find((l) => l.includes(orderId));
      expect(line ?? trades.text).toContain(id);
    });

    it("every outbox row an automation wrote is sent exactly once", async () => {
      await start();
      await holdSol();
      const stop = await arm("/stop SOL at 205");
      const dca = await arm("/dca SOL 20 every 6h times 3");
      await r.until(async () => (await autoOrders(db, stop)).length > 0 && (await autoOrders(db, dca)).length === 3, 72);
      const rows = await outboxStates(db);
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expect(rows.filter((x) => x.state !== "sent")).toEqual([]);
      expect(new Set(rows.map((x) => x.dedupe_key)).size).toBe(rows.length);
      expect(r.pushes).toHaveLength(rows.length);
      note(`outbox: ${rows.length} rows (${[...new Set(rows.map((x) => x.kind))].join(", ")}), all sent once`);
    });
  });
}
