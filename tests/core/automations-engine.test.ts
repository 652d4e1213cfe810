import { afterEach, describe, expect, it } from "vitest";
import { parseAutomationLine } from "../../core/domain/automation-parse.js";
import { firingOrderId } from "../../core/services/automations/index.js";
import { automationWorld as makeWorld, CHAT, USER, type AutomationWorld } from "../helpers/automation-store.js";

let w: AutomationWorld;
afterEach(async () => {
  await w?.close();
});

const stateOf = async (id: string) => (await w.store.get(id))?.state;

describe.each(["memory", "db"] as const)("automations on the %s store", (store) => {
  const world = (o: Parameters<typeof makeWorld>[0] = {}) => makeWorld({ ...o, store });

  describe("price automations fire once, on the right tick", () => {
    it("a limit buy at 140 stays armed above it and buys once when the price reaches it", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      await w.tick("SOL", 145);
      await w.tick("SOL", 140.5);
      expect(await w.autoOrders()).toHaveLength(0);
      await w.tick("SOL", 139.8);
      await w.tick("SOL", 139);
      const orders = await w.autoOrders();
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ status: "filled", side: "buy", inAmount: 100_000_000n });
      expect(await stateOf(a.id)).toBe("done");
      expect(w.texts()).toHaveLength(1);
      expect(w.texts()[0]).toMatch(/Automation filled: limit buy .* at \$139\.80/);
    });

    it("a take-profit sells on the first tick at or above its level", async () => {
      w = await world();
      await w.buy("SOL", 300);
      const e = await w.engine();
      const a = await w.arm(e, "/tp SOL at 170");
      await w.tick("SOL", 169.9);
      expect(await w.autoOrders()).toHaveLength(0);
      await w.tick("SOL", 170.2);
      expect(await w.autoOrders()).toMatchObject([{ status: "filled", side: "sell" }]);
      expect(await stateOf(a.id)).toBe("done");
    });

    it("a stop needs the next good tick to confirm the crossing: one low print sells nothing", async () => {
      w = await world();
      await w.buy("SOL", 300);
      const e = await w.engine();
      const a = await w.arm(e, "/stop SOL at 140");
      await w.tick("SOL", 139);
      expect(await w.autoOrders()).toHaveLength(0);
      await w.tick("SOL", 141);
      expect(await w.autoOrders()).toHaveLength(0);
      expect(await stateOf(a.id)).toBe("armed");
      await w.tick("SOL", 139.5);
      expect(await w.autoOrders()).toHaveLength(0);
      await w.tick("SOL", 139.2);
      const orders = await w.autoOrders();
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ side: "sell", status: "filled" });
      // All of the holding was sold.
      const held = await w.trading.held("paper", null, USER, (await w.tokens.resolve("SOL")).mint);
      expect(held).toBe(0n);
      expect(w.texts()[0]).toMatch(/Automation filled: stop-loss .* at \$139\.20/);
    });

    it("a sell with nothing held is skipped with the reason, and the user is told", async () => {
      w = await world();
      await w.buy("SOL", 300);
      const e = await w.engine();
      const a = await w.arm(e, "/tp SOL at 170");
      // The holding is sold by hand before the level is reached.
      const [sol, usdc] = await Promise.all([w.tokens.resolve("SOL"), w.tokens.resolve("USDC")]);
      const o = await w.trading.preview(USER, { side: "sell", input: sol, output: usdc, amount: { kind: "all" } }, CHAT);
      await w.trading.confirm(USER, o.id);
      await w.tick("SOL", 171);
      expect(w.texts()).toHaveLength(1);
      expect(w.texts()[0]).toMatch(/Automation skipped: take-profit [\s\S]*\nWhy: you hold no SOL to sell/);
      expect(await stateOf(a.id)).toBe("done");
    });

    it("a NaN, zero, stale, replay-labelled or deviating tick fires nothing", async () => {
      w = await world({ mode: () => "live" });
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 120");
      await w.tick("SOL", Number.NaN);
      await w.tick("SOL", 0);
      await w.tick("SOL", 100, { at: w.clock.now() - 10 * 60_000 });
      await w.tick("SOL", 100, { replay: true });
      // A second source says 150; a first one's 100 deviates from it by a third.
      await w.tick("SOL", 150, { source: "static2" });
      await w.tick("SOL", 100, { source: "static" });
      expect(await w.autoOrders()).toHaveLength(0);
      expect(w.texts()).toEqual([]);
      expect(await stateOf(a.id)).toBe("armed");
    });

    it("a trailing stop's high survives a restart: the new engine fires from the persisted high", async () => {
      w = await world();
      await w.buy("SOL", 300);
      const first = await w.engine();
      const a = await w.arm(first, "/trail SOL 10%");
      for (const p of [160, 170, 180]) await w.tick("SOL", p);
      await first.stop();
      // The high is min(previous tick, this tick) of the rise: 170.
      expect((await w.store.get(a.id))?.high).toBe(170);
      const second = await w.engine();
      await w.tick("SOL", 155); // 8.8% under 170: nothing
      await w.tick("SOL", 152); // 10.6% under 170: waits for confirmation
      expect(await w.autoOrders()).toHaveLength(0);
      await w.tick("SOL", 151);
      expect(await w.autoOrders()).toMatchObject([{ side: "sell", status: "filled" }]);
      expect(await stateOf(a.id)).toBe("done");
      expect(second.size).toBe(0);
    });

    it("one-cancels-other: a take-profit firing cancels the stop on the same holding, in the same message", async () => {
      w = await world();
      await w.buy("SOL", 300);
      const e = await w.engine();
      const stop = await w.arm(e, "/stop SOL at 140");
      const tp = await w.arm(e, "/tp SOL at 170");
      await w.tick("SOL", 171);
      expect(await stateOf(tp.id)).toBe("done");
      expect(await stateOf(stop.id)).toBe("cancelled");
      expect(w.texts()).toHaveLength(1);
      expect(w.texts()[0]).toContain(`One-cancels-other: your stop-loss ${stop.id} on the same SOL is cancelled.`);
      // The cancelled stop no longer fires.
      await w.tick("SOL", 130);
      await w.tick("SOL", 129);
      expect(await w.autoOrders()).toHaveLength(1);
    });
  });

  describe("failures, retries and kill switches", () => {
    it("a firing whose quotes keep failing retries on the market clock, then fails the automation and says why", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      w.swap.failures = 100;
      await w.tick("SOL", 139);
      expect(w.swap.quotes).toBe(1);
      for (const waitS of [30, 60, 120]) {
        w.clock.advance(waitS * 1000 - 1);
        await e.runDue();
        expect(await stateOf(a.id)).toBe("armed");
        w.clock.advance(1);
        await e.runDue();
      }
      expect(w.swap.quotes).toBe(4);
      expect(await stateOf(a.id)).toBe("failed");
      expect(w.texts()).toHaveLength(1);
      expect(w.texts()[0]).toMatch(/Automation failed: limit buy [\s\S]*\nWhy: Jupiter did not give a quote/);
      expect(await w.autoOrders()).toHaveLength(0);
    });

    it("a limit buy never fills on a quote above its limit: the order is cancelled, retried, then the automation fails and says why", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      w.swap.outPpm = 930_000n; // the stream says 139, the quote gives ~149.5 a SOL
      await w.tick("SOL", 139);
      for (const waitS of [30, 60, 120]) {
        w.clock.advance(waitS * 1000);
        await e.runDue();
      }
      expect(w.swap.quotes).toBe(4);
      const orders = await w.autoOrders();
      expect(orders.length).toBe(4);
      expect(orders.every((o) => o.status === "cancelled")).toBe(true);
      expect(await stateOf(a.id)).toBe("failed");
      expect(w.texts()).toHaveLength(1);
      expect(w.texts()[0]).toMatch(/Why: the quote \(\$149\.\d\d a SOL\) is above your limit \(\$140\.00\)/);
    });

    it("a quote past the limit that comes back within it on the retry fills once", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      w.swap.outPpm = 930_000n;
      await w.tick("SOL", 139);
      w.swap.outPpm = 1_000_000n;
      w.clock.advance(30_000);
      await e.runDue();
      const orders = await w.autoOrders();
      expect(orders.map((o) => o.status).sort()).toEqual(["cancelled", "filled"]);
      expect(await stateOf(a.id)).toBe("done");
    });

    it("a retry that succeeds fills once", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      w.swap.failures = 1;
      await w.tick("SOL", 139);
      w.clock.advance(30_000);
      await e.runDue();
      await e.runDue();
      expect(await w.autoOrders()).toMatchObject([{ status: "filled" }]);
      expect(await stateOf(a.id)).toBe("done");
      expect(w.texts()).toHaveLength(1);
    });

    it("three failed firings in a row pause all of the user's automations and say so", async () => {
      w = await world({ settings: { retries: 0 } });
      const e = await w.engine();
      const buys = [];
      for (const level of [140, 130, 120]) buys.push(await w.arm(e, `/limit buy SOL 50 at ${level}`));
      const other = await w.arm(e, "/limit buy SOL 50 at 100");
      w.swap.failures = 100;
      await w.tick("SOL", 139);
      await w.tick("SOL", 129);
      expect(await stateOf(other.id)).toBe("armed");
      await w.tick("SOL", 119);
      expect(await stateOf(other.id)).toBe("paused");
      for (const b of buys) expect(await stateOf(b.id)).toBe("failed");
      expect(w.texts()).toHaveLength(3);
      expect(w.texts()[2]).toMatch(/Three automations in a row failed, so all your automations are paused \(1 paused\)/);
      // Paused: a crossing fires nothing until the user resumes.
      w.swap.failures = 0;
      await w.tick("SOL", 99);
      await w.tick("SOL", 98);
      expect(await w.autoOrders()).toHaveLength(0);
      expect(await e.resume(USER)).toBe(1);
      await w.tick("SOL", 97);
      expect(await w.autoOrders()).toMatchObject([{ status: "filled" }]);
    });

    it("the global kill switch stops every engine from firing until it is lifted", async () => {
      w = await world();
      const e1 = await w.engine();
      const e2 = await w.engine();
      const a = await w.arm(e1, "/limit buy SOL 100 at 140");
      await e2.sync();
      await e1.pauseAll("admin");
      await e2.sync();
      expect(await e2.globallyPaused()).toBe(true);
      await w.tick("SOL", 139);
      await w.tick("SOL", 138);
      expect(await w.autoOrders()).toHaveLength(0);
      expect(await stateOf(a.id)).toBe("armed");
      await e2.resumeAll("admin");
      await e1.sync();
      await w.tick("SOL", 137);
      expect(await w.autoOrders()).toHaveLength(1);
    });

    it("a user's pause is immediate: nothing of theirs fires while paused", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      expect(await e.pause(USER)).toBe(1);
      await w.tick("SOL", 139);
      expect(await w.autoOrders()).toHaveLength(0);
      expect(await stateOf(a.id)).toBe("paused");
    });
  });

  describe("exactly one order per firing", () => {
    it("two engines on one store place one order for one firing", async () => {
      w = await world();
      const e1 = await w.engine();
      const e2 = await w.engine();
      const a = await w.arm(e1, "/limit buy SOL 100 at 140");
      await e2.sync();
      expect(e1.size).toBe(1);
      expect(e2.size).toBe(1);
      await w.tick("SOL", 139);
      expect(await w.autoOrders()).toHaveLength(1);
      expect(await w.store.firingsOf(a.id)).toMatchObject([{ n: 1, status: "filled" }]);
      expect(w.texts()).toHaveLength(1);
    });

    it("a worker that died after its order filled is taken over: the fill is found, no second order", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      // The dead worker: claimed firing 1, placed and filled attempt 1's order, then died before settling.
      await crashedWorker(a.id, { confirm: true });
      await e.runDue();
      expect(await w.autoOrders()).toHaveLength(0 + 1);
      w.clock.advance(w.settings.leaseMs);
      await e.runDue();
      const orders = await w.autoOrders();
      expect(orders).toHaveLength(1);
      expect(orders[0]!.id).toBe(firingOrderId(a.id, 1, 1));
      expect(await w.store.firingsOf(a.id)).toMatchObject([{ n: 1, status: "filled", orderId: orders[0]!.id }]);
      expect(await stateOf(a.id)).toBe("done");
      expect(w.texts()).toHaveLength(1);
    });

    it("a worker that died between preview and confirm: the takeover confirms that same order", async () => {
      // The lease (10 s) runs out before the order's quote (30 s) does.
      w = await world({ settings: { leaseMs: 10_000 } });
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      await crashedWorker(a.id, { confirm: false });
      w.clock.advance(w.settings.leaseMs);
      await e.runDue();
      const orders = await w.autoOrders();
      expect(orders).toMatchObject([{ id: firingOrderId(a.id, 1, 1), status: "filled" }]);
      expect(await stateOf(a.id)).toBe("done");
    });

    it("a takeover that finds its attempt's quote expired places the next attempt's order, never a second one for the same attempt", async () => {
      w = await world();
      const e = await w.engine();
      const a = await w.arm(e, "/limit buy SOL 100 at 140");
      await crashedWorker(a.id, { confirm: false });
      w.clock.advance(w.settings.leaseMs);
      await e.runDue();
      expect(await w.autoOrders()).toMatchObject([{ id: firingOrderId(a.id, 1, 1), status: "expired" }]);
      w.clock.advance(w.settings.retryMs);
      await e.runDue();
      await e.runDue();
      const orders = await w.autoOrders();
      expect(orders.map((o) => [o.id, o.status]).sort()).toEqual(
        [
          [firingOrderId(a.id, 1, 1), "expired"],
          [firingOrderId(a.id, 1, 2), "filled"],
        ].sort(),
      );
      expect(w.texts()).toHaveLength(1);
    });
  });

  describe("proposals", () => {
    it("a draft is not watched until confirmed, and a Confirm after 10 minutes arms nothing", async () => {
      w = await world();
      const e = await w.engine();
      const d = await e.propose(USER, parseAutomationLine("/limit buy SOL 100 at 140"), CHAT);
      expect(d).toMatchObject({ priceUsd: 150, usdPerFiring: 100, mode: "paper", worst: { maxTradeUsd: 1000, maxSlippageBps: 300, maxPriceImpactPct: 2 } });
      await w.tick("SOL", 139);
      expect(await w.autoOrders()).toHaveLength(0);
      w.clock.advance(10 * 60_000);
      await expect(e.confirm(USER, d.automation.id)).rejects.toMatchObject({ code: "automation_expired" });
      expect(await stateOf(d.automation.id)).toBe("cancelled");
    });

    it("a firing worth more than MAX_TRADE_USD, or a level already crossed, is refused at the preview", async () => {
      w = await world();
      const e = await w.engine();
      await expect(e.propose(USER, parseAutomationLine("/limit buy SOL 1500 at 140"), CHAT)).rejects.toMatchObject({ code: "automation_too_large" });
      await expect(e.propose(USER, parseAutomationLine("/limit buy SOL 100 at 160"), CHAT)).rejects.toMatchObject({ code: "level_crossed" });
      expect(await e.list(USER)).toEqual([]);
    });

    it("MAX_AUTOMATIONS_PER_USER is enforced at the preview and again at Confirm", async () => {
      w = await world({ settings: { maxPerUser: 2 } });
      const e = await w.engine();
      const d1 = await e.propose(USER, parseAutomationLine("/limit buy SOL 10 at 140"), CHAT);
      const d2 = await e.propose(USER, parseAutomationLine("/limit buy SOL 10 at 130"), CHAT);
      const d3 = await e.propose(USER, parseAutomationLine("/limit buy SOL 10 at 120"), CHAT);
      expect((await e.confirm(USER, d1.automation.id)).kind).toBe("armed");
      expect((await e.confirm(USER, d1.automation.id)).kind).toBe("already");
      expect((await e.confirm(USER, d2.automation.id)).kind).toBe("armed");
      await expect(e.confirm(USER, d3.automation.id)).rejects.toMatchObject({ code: "automation_limit" });
      await expect(e.propose(USER, parseAutomationLine("/limit buy SOL 10 at 110"), CHAT)).rejects.toMatchObject({ code: "automation_limit" });
      await expect(e.cancel("someone-else", d1.automation.id)).rejects.toMatchObject({ code: "automation_unknown" });
    });
  });

});

/** A worker that claimed firing 1, previewed attempt 1's order (and confirmed it, if asked), then died. */
async function crashedWorker(id: string, opts: { confirm: boolean }) {
  const a = (await w.store.get(id))!;
  const now = w.clock.now();
  w.setPrice("SOL", 139); // the price that fired it: the trade path quotes from it
  const claimed = await w.store.claimFiring({
    automationId: id, userId: a.userId, n: 1, status: "running", attempts: 1, orderId: null, priceUsd: 139, at: now,
    leaseUntil: now + w.settings.leaseMs, nextTryAt: null, reason: null, createdAt: now, updatedAt: now,
  });
  expect(claimed).toBe(true);
  const [usdc, sol] = await Promise.all([w.tokens.resolve("USDC"), w.tokens.resolve("SOL")]);
  const { book, wallet } = await w.trading.book(a.userId);
  const o = await w.trading.previewIn({ userId: a.userId, book, wallet, mode: "paper" }, { side: "buy", input: usdc, output: sol, amount: { kind: "units", units: 100_000_000n } }, CHAT, {}, {
    orderId: firingOrderId(id, 1, 1),
    automation: { id, firing: 1 },
  });
  if (opts.confirm) await w.trading.confirm(a.userId, o.id);
}
