import { afterEach, describe, expect, it } from "vitest";
import { toSettings } from "../../bots/treasury-file.js";
import { parseTreasuryConfigText as parseTreasuryFile } from "../../bots/treasury-config.js";
import type { TreasurySettings } from "../../core/services/treasury/index.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { FakeClock } from "../helpers/clock.js";
import { MINTS, press, tradingWorld, type TradingWorld } from "../helpers/trading-world.js";
import { treasurySettings, treasuryInWords } from "../helpers/treasury.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const base = treasurySettings;

async function world(
  over: Partial<TreasurySettings> = {},
  env: Record<string, string> = {},
  shared?: { db: string; clock: FakeClock; world?: TradingWorld["world"] },
  secondSource = false,
) {
  const w = await tradingWorld({
    secondSource,
    treasury: base(over),
    env: { TRADING_MODE: "paper", ADMIN_IDS: "telegram:900", ...(shared ? { DATABASE_URL: shared.db } : {}), ...env },
    ...(shared?.clock ? { clock: shared.clock } : {}),
    ...(shared?.world ? { world: shared.world } : {}),
  });
  cleanup.push(() => w.close());
  return { w, t: treasuryInWords(w.app.services.treasury!) };
}

const reports = async (w: TradingWorld) =>
  (await w.app.db.db.selectFrom("outbox").select(["payload", "chat_id"]).where("kind", "=", "treasury.report").execute()).map((r) => ({ chat: r.chat_id, text: r.payload }));

describe("treasury bot", () => {
  it("auto mode: one cycle brings every asset inside its band, reports to the admins, then rests", async () => {
    const { w, t } = await world();
    const result = await t.cycle("schedule");
    expect(result).toMatch(/^(\d+)\/\1 swaps filled$/);
    const { plan } = await t.plan();
    expect(plan.inBand).toBe(true);
    for (const [sym, target] of Object.entries(base().targets)) expect(Math.abs(plan.before[sym]! - target)).toBeLessThanOrEqual(5);
    expect(await t.cycle("schedule")).toBe("in band: nothing to do");
    const r = await reports(w);
    expect(r).toHaveLength(1);
    expect(r[0]!.chat).toBe("900");
    expect(r[0]!.text).toContain("Treasury rebalanced");
    expect(r[0]!.text).toContain('"type":"image"'); // the allocation chart
    const st = await w.app.say("/treasury status", { id: "900" });
    expect(st.text).toMatch(/SOL\s+\d+\.\d+% \(target 40%\)/);
    expect((await w.app.say("/treasury status", { id: "5" })).text).toBe("/treasury is for admins only.");
  });

  it("pause stops the next cycle; resume lets it run", async () => {
    const { w, t } = await world();
    expect((await w.app.say("/treasury pause", { id: "900" })).text).toContain("Treasury paused.");
    expect(await t.cycle("schedule")).toMatch(/^paused/);
    expect(await w.app.db.db.selectFrom("orders").selectAll().execute()).toHaveLength(0);
    await w.app.say("/treasury resume", { id: "900" });
    expect(await t.cycle("schedule")).toMatch(/swaps filled/);
  });

  it("the daily-loss breaker pauses and alerts the admins", async () => {
    const { w, t } = await world();
    await t.cycle("schedule");
    for (const s of ["SOL", "JUP", "WBTC", "BONK"]) w.prices.usd[s] = w.prices.usd[s]! * 0.7;
    expect(await t.cycle("schedule")).toBe(`paused by the daily_loss breaker: value fell more than 10% today`);
    expect((await reports(w)).some((r) => r.text.includes("Treasury PAUSED"))).toBe(true);
    expect(await t.cycle("schedule")).toMatch(/^paused/);
  });

  it("the consecutive-failures breaker trips after repeated failed rebalances", async () => {
    const { w, t } = await world();
    for (let i = 0; i < 2; i++) {
      w.world.jup.failNext("quote", { kind: "status", status: 500 });
      expect(await t.cycle("schedule")).toMatch(/0\/\d+ swaps filled; stopped after a failure|paused by the failures breaker/);
    }
    expect((await t.state()).breakers.failures).toMatch(/2 failed rebalances in a row/);
    // the admins' report names the swap that failed and why
    expect((await reports(w)).some((r) => /1\. [A-Z]+ -> [A-Z]+ failed/.test(r.text) && /500|quote|unavailable/i.test(r.text))).toBe(true);
  });

  it("the prices breaker trips when prices are rejected or unavailable", async () => {
    const { w, t } = await world();
    w.prices.usd.SOL = Number.NaN;
    expect(await t.cycle("schedule")).toMatch(/^paused by the prices breaker/);
  });

  it("price sources disagreeing by more than max_source_deviation_pct trip the prices breaker before any trade", async () => {
    const { w, t } = await world({ maxSourceDeviationPct: 2 }, {}, undefined, true);
    w.prices2!.usd.SOL = w.prices.usd.SOL! * 1.05; // the second source sees SOL 5% higher
    expect(await t.cycle("schedule")).toBe(
      "paused by the prices breaker: SOL price sources disagree by 5.00% (static $150.000, static2 $157.500; limit 2%)",
    );
    expect(await w.app.db.db.selectFrom("orders").selectAll().execute()).toEqual([]);
    expect((await reports(w)).some((r) => r.text.includes("Treasury PAUSED"))).toBe(true);
  });

  it("price sources within max_source_deviation_pct: the cycle trades normally", async () => {
    const { w, t } = await world({ maxSourceDeviationPct: 2 }, {}, undefined, true);
    w.prices2!.usd.SOL = w.prices.usd.SOL! * 1.01;
    expect(await t.cycle("schedule")).toMatch(/^(\d+)\/\1 swaps filled$/);
  });

  it("the turnover breaker trips when the daily cap is reached", async () => {
    const { t } = await world({ maxDailyTurnoverUsd: 1_000 });
    const r = await t.cycle("schedule");
    expect(r).toMatch(/turnover/);
    expect((await t.state()).paused).toBe(true);
  });

  it("two processes never rebalance at once (one lease)", async () => {
    const db = await tempSqliteUrl();
    const clock = new FakeClock(Date.now());
    const a = await world({}, {}, { db, clock });
    const b = await world({}, {}, { db, clock, world: a.w.world });
    const [ra, rb] = await Promise.all([a.t.tick(), b.t.tick()]);
    expect([ra, rb].filter((r) => r !== null)).toHaveLength(1);
    expect([ra, rb].find((r) => r !== null)).toMatch(/swaps filled/);
    expect(await b.t.tick()).toBeNull(); // still held by the first
  });

  it("a failure mid-rebalance stops, and the next cycle re-plans from the real balances (nothing replayed)", async () => {
    const { w, t } = await world();
    const first = (await t.plan()).plan.swaps.length;
    w.world.jup.failNext("quote", { kind: "delay", ms: 0 }); // first quote fine
    const orig = w.world.jup.failNext.bind(w.world.jup);
    orig("quote", { kind: "status", status: 500 });
    const r1 = await t.cycle("schedule");
    expect(r1).toMatch(/stopped after a failure, will re-plan/);
    const filledBefore = (await w.app.db.db.selectFrom("orders").selectAll().where("status", "=", "filled").execute()).length;
    const r2 = await t.cycle("manual", true);
    expect(r2).toMatch(/swaps filled$/);
    const { plan } = await t.plan();
    expect(plan.inBand).toBe(true);
    const filled = (await w.app.db.db.selectFrom("orders").selectAll().where("status", "=", "filled").execute()).length;
    expect(filled).toBeGreaterThan(filledBefore);
    expect(filled).toBeLessThanOrEqual(first + 2);
  });

  it("approve mode waits for an admin's button and ignores anyone else's", async () => {
    const { w, t } = await world({ mode: "approve" }, { ADMIN_IDS: "telegram:900,telegram:901" });
    expect(await t.cycle("schedule")).toMatch(/waiting for approval/);
    expect(await w.app.db.db.selectFrom("orders").selectAll().execute()).toHaveLength(0);
    const msgs = await reports(w);
    expect(msgs.map((m) => m.chat).sort()).toEqual(["900", "901"]);
    const payload = JSON.parse(msgs.find((m) => m.chat === "900")!.text) as { buttons: Array<Array<{ label: string; action: string }>> };
    const approve = payload.buttons[0]!.find((b) => b.label === "Approve")!.action;
    expect((await w.app.press(approve, { id: "5" })).text).toBe("This is not your button.");
    expect((await w.app.press(approve, { id: "901" })).text).toBe("This is not your button."); // bound to admin 900
    const done = await w.app.press(approve, { id: "900" });
    expect(done.text).toMatch(/Treasury: \d+\/\d+ swaps filled/);
    const other = JSON.parse(msgs.find((m) => m.chat === "901")!.text) as typeof payload;
    const late = await w.app.press(other.buttons[0]!.find((b) => b.label === "Approve")!.action, { id: "901" });
    expect(late.text).toBe("Treasury: That plan is no longer pending.");
  });

  it("/treasury rebalance previews and waits for Confirm; dry-run mode never trades", async () => {
    const { w } = await world({ mode: "dry-run" });
    const r = await w.app.say("/treasury rebalance", { id: "900" });
    expect(r.text).toContain("dry-run mode");
    expect(r.replies[0]!.buttons).toBeUndefined();
    expect(await treasuryInWords(w.app.services.treasury!).cycle("schedule")).toMatch(/^dry-run: \d+ swaps planned$/);
    expect(await w.app.db.db.selectFrom("orders").selectAll().execute()).toHaveLength(0);
  });

  it("the config file is validated with one line per problem", () => {
    const good = `mode: approve\ntargets: {SOL: 40, USDC: 30, JUP: 15, WBTC: 10, BONK: 5}\nband: {abs_pct: 5}\nmin_trade_usd: 10\nmax_trade_usd: 2000\nmax_daily_turnover_usd: 20000\nmax_slippage_bps: 100\nmax_price_impact_pct: 1\nschedule: {cron: "0 * * * *"}\ncooldown: 1h\nmax_daily_loss_pct: 5\nmax_source_deviation_pct: 2\n`;
    const s = toSettings(parseTreasuryFile(good, "t.yaml"), { kind: "paper", startUsd: 1 });
    expect(s.nextRun(Date.UTC(2026, 0, 1, 10, 20))).toBe(Date.UTC(2026, 0, 1, 11, 0));
    expect(s.cooldownMs).toBe(3_600_000);
    const bad = `targets: {SOL: 50, JUP: 40}\nband: {}\nmin_trade_usd: 10\nmax_trade_usd: 5\nmax_daily_turnover_usd: 1\nmax_slippage_bps: 100\nmax_price_impact_pct: 1\nschedule: {cron: "not cron"}\n`;
    expect(() => parseTreasuryFile(bad, "t.yaml")).toThrow(/band: give abs_pct[\s\S]*targets: must sum to 100[\s\S]*must include USDC[\s\S]*max_trade_usd: must be above min_trade_usd[\s\S]*schedule.cron: is not a valid cron/);
    void MINTS;
  });
});

describe("the example treasury config", () => {
  it("parses", async () => {
    const { readFileSync } = await import("node:fs");
    const f = parseTreasuryFile(readFileSync("deploy/treasury.example.yaml", "utf8"), "deploy/treasury.example.yaml");
    expect(toSettings(f, { kind: "paper", startUsd: f.paper_start_usd }).targets).toEqual(f.targets);
    expect(f.mode).toBe("dry-run");
    expect(Object.values(f.targets).reduce((a, b) => a + b, 0)).toBe(100);
  });
});
