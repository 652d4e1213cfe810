import { afterEach, describe, expect, it } from "vitest";
import type { TreasurySettings } from "../../core/services/treasury/index.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { WallClock, type FakeClock } from "../helpers/clock.js";
import { MINTS, press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";
import { treasurySettings, treasuryInWords } from "../helpers/treasury.js";

/**
 * The treasury lease held for the whole of every run that can trade (scheduled cycle, manual
 * rebalance, approval): two instances share a database, one runs a swap slower than the lease TTL
 * (LEASE_TTL_S=2, the Jupiter fake delays a quote), the other must not trade meanwhile. Real time:
 * a lease can only outlive its TTL on a clock that moves.
 */

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const TTL_MS = 2_000;
/** The slow quote: long enough that the lease taken before it would have expired well before it answers. */
const SLOW_MS = 4_500;
/** When the other instance tries: past the lease TTL, with room left before the slow quote answers. */
const PAST_TTL_MS = TTL_MS + 700;

// always due (only the lease decides) and a wide loss limit
const base = (over: Partial<TreasurySettings> = {}): TreasurySettings => treasurySettings({ nextRun: (t) => t, maxDailyLossPct: 50, ...over });

async function instance(over: Partial<TreasurySettings>, shared: { db: string; clock: FakeClock; world?: TradingWorld["world"] }) {
  const w = await tradingWorld({
    treasury: base(over),
    env: { TRADING_MODE: "paper", ADMIN_IDS: "telegram:900", DATABASE_URL: shared.db, LEASE_TTL_S: String(TTL_MS / 1000) },
    clock: shared.clock,
    ...(shared.world ? { world: shared.world } : {}),
  });
  cleanup.push(() => w.close());
  return { w, t: treasuryInWords(w.app.services.treasury!) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(10);
  }
}

/** Two instances on one database and one Solana/Jupiter world: A in auto mode, B in approve mode. */
async function pair() {
  const db = await tempSqliteUrl();
  const clock = new WallClock();
  const a = await instance({ mode: "auto" }, { db, clock });
  const b = await instance({ mode: "approve" }, { db, clock, world: a.w.world });
  const jup = a.w.world.jup;
  const orders = async () => (await a.w.app.db.db.selectFrom("orders").select("id").execute()).length;
  /** The next quote answers after SLOW_MS; resolves once it was asked plus PAST_TTL_MS (the lease taken before it is past its TTL). */
  const slowNextQuote = () => {
    const asked = jup.requestsTo("quote").length;
    jup.failNext("quote", { kind: "delay", ms: SLOW_MS });
    return async () => {
      await until(() => jup.requestsTo("quote").length > asked);
      await sleep(PAST_TTL_MS);
    };
  };
  return { a, b, orders, slowNextQuote };
}

describe("treasury lease: one trading run at a time across instances, however long it takes", () => {
  it("a scheduled cycle outlasting the lease TTL keeps it: the other instance's tick, Confirm and Approve trade nothing", async () => {
    const { a, b, orders, slowNextQuote } = await pair();
    // B (approve mode) has a plan waiting, and its admin has a rebalance preview with Confirm.
    expect(await b.t.cycle("schedule")).toMatch(/^waiting for approval/);
    const pending = (await b.t.state()).pending!.id;
    const confirm = press(await b.w.app.say("/treasury rebalance", { id: "900" }), /Confirm/);
    const planned = (await a.t.plan()).plan.swaps.length;
    expect(planned).toBeGreaterThan(1);

    const stuck = slowNextQuote();
    const running = a.t.tick(); // A's loop: a cycle whose first swap takes longer than the lease TTL
    await stuck();
    const mid = await orders();
    expect(await b.t.tick()).toBeNull(); // A still leads the loop
    const pressed = await b.w.app.press(confirm, { id: "900" });
    expect(pressed.text).toMatch(/another instance is rebalancing right now/);
    expect(await b.t.approve(pending, "admin")).toMatch(/another instance is rebalancing right now.*still pending/);
    expect((await b.t.state()).pending?.id).toBe(pending); // refused, not consumed
    expect(await orders()).toBe(mid); // B traded nothing while A ran

    expect(await running).toMatch(/^(\d+)\/\1 swaps filled$/);
    expect(await orders()).toBe(planned); // A's plan, once: nothing from B
    expect(await b.t.tick()).toBeNull(); // A's loop keeps leading between ticks
  }, 40_000);

  it("an approval and a manual rebalance hold the lease for their whole run; an idle leader blocks neither", async () => {
    const { a, b, orders, slowNextQuote } = await pair();
    expect(await a.t.tick()).toMatch(/^(\d+)\/\1 swaps filled$/); // A leads the loop, and is idle now
    // The market moves: SOL up 60% (valuation and Jupiter's quotes alike).
    for (const w of [a.w, b.w]) w.prices.usd.SOL = 240;
    a.w.world.jup.setPrice(MINTS.SOL, 240);

    // An Approve on B runs although A leads the loop, and holds the lease throughout its slow swap.
    expect(await b.t.cycle("schedule")).toMatch(/^waiting for approval/);
    const first = (await b.t.state()).pending!;
    const before = await orders();
    const stuck = slowNextQuote();
    const approving = b.t.approve(first.id, "admin");
    await stuck();
    const mid = await orders();
    expect(await a.t.tick()).toMatch(/another instance is rebalancing right now/); // A's loop: due, but refused
    const preview = await a.w.app.say("/treasury rebalance", { id: "900" });
    expect((await a.w.app.press(press(preview, /Confirm/), { id: "900" })).text).toMatch(/another instance is rebalancing right now/);
    expect(await orders()).toBe(mid);
    expect(await approving).toMatch(/^(\d+)\/\1 swaps filled$/);
    expect(await orders()).toBe(before + first.plan.swaps.length);

    // A manual rebalance (Confirm on A) holds it too: B's Approve of a newer plan is refused meanwhile.
    for (const w of [a.w, b.w]) w.prices.usd.SOL = 150;
    a.w.world.jup.setPrice(MINTS.SOL, 150);
    expect(await b.t.cycle("schedule")).toMatch(/^waiting for approval/);
    const second = (await b.t.state()).pending!.id;
    const preview2 = await a.w.app.say("/treasury rebalance", { id: "900" });
    const before2 = await orders();
    const stuck2 = slowNextQuote();
    const confirming = a.w.app.press(press(preview2, /Confirm/), { id: "900" });
    await stuck2();
    const mid2 = await orders();
    expect(await b.t.approve(second, "admin")).toMatch(/another instance is rebalancing right now/);
    const tick = await b.t.tick(); // A leads (renewed during its run) or, had it lapsed, B's cycle is refused
    expect(tick === null || /another instance is rebalancing right now/.test(tick)).toBe(true);
    expect(await orders()).toBe(mid2);
    expect((await confirming).text).toMatch(/Treasury: (\d+)\/\1 swaps filled/);
    expect(await orders()).toBeGreaterThan(before2);
  }, 60_000);

  it("the kill switch stops a running cycle before its next swap, and the cycle's save keeps the pause", async () => {
    const { a, b, orders, slowNextQuote } = await pair();
    const planned = (await a.t.plan()).plan.swaps.length;
    const stuck = slowNextQuote();
    const running = a.t.cycle("schedule");
    await stuck();
    expect((await b.w.app.say("/treasury pause", { id: "900" })).text).toContain("Treasury paused.");
    expect(await running).toMatch(/^1\/\d+ swaps filled; stopped: the treasury was paused$/);
    expect(await orders()).toBe(1);
    expect(planned).toBeGreaterThan(1);
    const st = await a.t.state();
    expect(st.paused).toBe(true);
    expect(st.pausedReason).toMatch(/paused by/);
    expect(await a.t.cycle("schedule")).toMatch(/^paused/);
  }, 40_000);
});
