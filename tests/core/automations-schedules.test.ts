import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../helpers/clock.js";
import { automationWorld as makeWorld, type AutomationWorld } from "../helpers/automation-store.js";

let w: AutomationWorld;
afterEach(async () => {
  await w?.close();
});

const H = 3_600_000;
const D = 24 * H;

describe.each(["memory", "db"] as const)("automations on the %s store", (store) => {
  const world = (o: Parameters<typeof makeWorld>[0] = {}) => makeWorld({ ...o, store });

  describe("DCA schedules", () => {
    it("every 6h times 3 makes exactly 3 buys, one per window, however often the schedule is checked", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/dca SOL 50 every 6h times 3");
      await e.runDue();
      await e.runDue();
      expect(await w.autoOrders()).toHaveLength(1);
      w.clock.advance(6 * H - 1000);
      await e.runDue();
      expect(await w.autoOrders()).toHaveLength(1);
      w.clock.advance(1000);
      await e.runDue();
      await e.runDue();
      expect(await w.autoOrders()).toHaveLength(2);
      for (let i = 0; i < 8; i++) {
        w.clock.advance(3 * H);
        await e.runDue();
      }
      const orders = await w.autoOrders();
      expect(orders).toHaveLength(3);
      expect(orders.every((o) => o.status === "filled" && o.side === "buy" && o.inAmount === 50_000_000n)).toBe(true);
      expect((await w.store.get(a.id))?.state).toBe("done");
      expect(w.texts()).toHaveLength(3);
      expect(w.texts()[0]).toMatch(/Automation filled: DCA .* \(buy 1\)[\s\S]*The next buy runs on schedule/);
      expect(w.texts()[2]).toMatch(/\(buy 3\)[\s\S]*That was its last buy: it is done/);
    });

    it("after downtime a missed window buys once, not a burst, and says which buys were missed", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/dca SOL 20 every 1d times 10");
      await e.runDue();
      await e.stop();
      w.clock.advance(3 * D + 2 * H); // the process was down through buys 2 and 3; buy 4 is due
      const restarted = await w.engine();
      await restarted.runDue();
      await restarted.runDue();
      expect(await w.autoOrders()).toHaveLength(2);
      expect((await w.store.get(a.id))?.firings).toBe(4);
      expect(w.texts()[1]).toMatch(/\(buy 4\)[\s\S]*2 earlier buys \(2-3\) missed while Purser was not running/);
      w.clock.advance(D);
      await restarted.runDue();
      expect(await w.autoOrders()).toHaveLength(3);
    });

    it("a schedule whose last window passed while down ends with one notice and no buy", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/dca SOL 20 every 1d times 2");
      await e.runDue();
      w.clock.advance(3 * D);
      await e.runDue();
      await e.runDue();
      expect(await w.autoOrders()).toHaveLength(1);
      expect((await w.store.get(a.id))?.state).toBe("done");
      expect(w.texts()[1]).toMatch(/Automation skipped: DCA[\s\S]*window passed while Purser was not running/);
    });

    it("runs on the market clock: in replay at 3600x a daily DCA buys again after 24 wall seconds", async () => {
      const market = new FakeClock(Date.UTC(2025, 0, 7));
      w = await world({ market });
      const e = await w.engine();
      await w.arm(e, "/dca SOL 20 every 1d times 3");
      await e.runDue();
      // 24 wall seconds at REPLAY_SPEED=3600 are one market day.
      w.clock.advance(24_000);
      market.advance(24_000 * 3600);
      await e.runDue();
      expect(await w.autoOrders()).toHaveLength(2);
    });

    it("a failed buy is retried on the market clock and the schedule waits for it", async () => {
      const market = new FakeClock(Date.UTC(2025, 0, 7));
      w = await world({ market });
      const e = await w.engine();
      const a = await w.arm(e, "/dca SOL 20 every 1d times 3");
      w.swap.failures = 1;
      await e.runDue();
      expect(await w.autoOrders()).toHaveLength(0);
      expect(await w.store.firingsOf(a.id)).toMatchObject([{ n: 1, status: "running", attempts: 1 }]);
      market.advance(30_000);
      await e.runDue();
      expect(await w.autoOrders()).toHaveLength(1);
      expect(await w.store.firingsOf(a.id)).toMatchObject([{ n: 1, status: "filled", attempts: 2 }]);
      expect((await w.store.get(a.id))?.state).toBe("armed");
    });
  });

});
