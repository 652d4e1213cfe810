import { afterEach, describe, expect, it } from "vitest";
import type { TreasurySettings } from "../../core/services/treasury/index.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { FakeClock } from "../helpers/clock.js";
import { press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";
import { treasurySettings } from "../helpers/treasury.js";

/** What callers branch on: every treasury result is a union with a `kind`, never a sentence to compare. */

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function world(over: Partial<TreasurySettings> = {}, shared?: { db: string; clock: FakeClock; world?: TradingWorld["world"] }) {
  const w = await tradingWorld({
    treasury: treasurySettings(over),
    env: { TRADING_MODE: "paper", ADMIN_IDS: "telegram:900", ...(shared ? { DATABASE_URL: shared.db } : {}) },
    ...(shared?.clock ? { clock: shared.clock } : {}),
    ...(shared?.world ? { world: shared.world } : {}),
  });
  cleanup.push(() => w.close());
  const t = w.app.services.treasury;
  if (!t) throw new Error("no treasury");
  return { w, t };
}

const orders = async (w: TradingWorld) => (await w.app.db.db.selectFrom("orders").select("id").execute()).length;

describe("treasury results are typed", () => {
  it("another instance holding the run lease: busy elsewhere; an Approve keeps its plan pending until it expires", async () => {
    const { w, t } = await world({ mode: "approve" });
    const waiting = await t.cycle("schedule");
    if (waiting.kind !== "awaiting_approval") throw new Error(`expected a plan waiting for approval, got ${waiting.kind}`);
    expect(waiting.swaps).toBeGreaterThan(0);
    expect(waiting.expiresAt).toBe(w.app.clock.now() + 30 * 60_000);
    expect(await w.app.leases.acquire("treasury-run", "another-instance", 60_000)).toBe(true);
    expect(await t.cycle("manual", true)).toEqual({ kind: "busy", where: "elsewhere" });
    expect(await t.approve(waiting.id, "admin")).toEqual({ kind: "busy", where: "elsewhere", expiresAt: waiting.expiresAt });
    expect((await t.state()).pending?.id).toBe(waiting.id);
    // The admin's Approve button (from the report) says so and gives fresh buttons for the pending plan.
    const report = await w.app.db.db.selectFrom("outbox").select("payload").where("kind", "=", "treasury.report").executeTakeFirstOrThrow();
    const approve = (JSON.parse(report.payload) as { buttons: Array<Array<{ label: string; action: string }>> }).buttons[0]?.find((b) => b.label === "Approve");
    if (!approve) throw new Error("the report has no Approve button");
    const refused = await w.app.press(approve.action, { id: "900" });
    expect(refused.replies[0]?.kind).toBe("warning");
    expect(refused.text).toMatch(/^Treasury: another instance is rebalancing right now.* The plan is still pending until/);
    expect(await orders(w)).toBe(0);
    await w.app.leases.release("treasury-run", "another-instance");
    expect((await w.app.press(press(refused, /^Approve$/), { id: "900" })).text).toBe(`Treasury: ${waiting.swaps}/${waiting.swaps} swaps filled`);
    expect(await orders(w)).toBe(waiting.swaps);
    expect(await t.approve(waiting.id, "admin")).toEqual({ kind: "gone" });
    expect(await t.reject(waiting.id, "admin")).toEqual({ kind: "gone" });
  });

  it("a second run on the same instance while one runs: busy here, and only one trades", async () => {
    const { w, t } = await world();
    const [first, second] = await Promise.all([t.cycle("schedule"), t.cycle("manual", true)]);
    expect(first).toMatchObject({ kind: "executed", failed: false });
    expect(second).toEqual({ kind: "busy", where: "here" });
    expect(await orders(w)).toBe(first.kind === "executed" ? first.planned : -1);
    expect(await t.cycle("schedule")).toEqual({ kind: "in_band" });
  });

  it("breakers trip as typed kinds; a spent turnover budget blocks with limit `turnover`", async () => {
    const { t } = await world({ maxDailyTurnoverUsd: 1_000 });
    expect(await t.cycle("schedule")).toEqual({ kind: "tripped", breaker: "turnover", why: "daily turnover cap reached" });
    expect(await t.cycle("schedule")).toEqual({ kind: "paused", reason: "breaker: daily turnover cap reached" });
    const { plan } = await t.plan(0);
    expect(plan.swaps).toEqual([]);
    expect(plan.blocked.length).toBeGreaterThan(0);
    expect(plan.blocked.every((b) => b.limit === "turnover")).toBe(true);
  });

  it("pause and resume: paused with who did it; cooling down; an Approve while paused names it and keeps the plan", async () => {
    const { t } = await world({ mode: "approve", cooldownMs: 3_600_000 });
    const waiting = await t.cycle("schedule");
    if (waiting.kind !== "awaiting_approval") throw new Error(`expected a plan waiting for approval, got ${waiting.kind}`);
    expect(await t.cycle("schedule")).toEqual({ kind: "cooling_down" });
    await t.pause("admin-1");
    expect(await t.cycle("schedule")).toEqual({ kind: "paused", reason: "paused by admin-1" });
    expect(await t.approve(waiting.id, "admin-1")).toEqual({ kind: "paused", expiresAt: waiting.expiresAt });
    await t.resume("admin-1");
    expect(await t.reject(waiting.id, "admin-1")).toEqual({ kind: "rejected" });
  });

  it("tick: null on an instance that does not lead the loop, not_due on the leader before the schedule", async () => {
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    const a = await world({}, { db, clock });
    const b = await world({}, { db, clock, world: a.w.world });
    expect(await a.t.tick()).toMatchObject({ kind: "executed" });
    expect(await b.t.tick()).toBeNull();
    expect(await a.t.tick()).toEqual({ kind: "not_due" });
  });
});
