import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadReplayDir } from "../../adapters/replay/replay-data.js";
import { formatAutomationBacktest } from "../../core/services/automation-backtest-report.js";
import { runAutomationBacktest, type AutomationBacktestInput, type BacktestEvent } from "../../core/services/automation-backtest.service.js";
import { UserError } from "../../core/errors.js";

/** The bundled 2025 H1 hourly candles (data/replay). */
const series = Object.fromEntries(loadReplayDir("data/replay"));
const sol = series.SOL ?? [];
const HOUR = 3_600_000;
const JAN7 = Date.UTC(2025, 0, 7);

const run = (rules: string[], over: Partial<AutomationBacktestInput> = {}) =>
  runAutomationBacktest({ rules, series, feeBps: 30, from: JAN7, to: Date.UTC(2025, 0, 31, 23), holding: { SOL: "10", USDC: "1000" }, ...over });
type Fill = Extract<BacktestEvent, { kind: "fill" }>;
const fills = (events: readonly BacktestEvent[]) => events.filter((e): e is Fill => e.kind === "fill");
const closeAt = (t: number) => sol.find((c) => c.t === t)?.c ?? Number.NaN;

describe("automation backtest on the bundled SOL candles", () => {
  it("a stop at 205 set on 2025-01-07 sells once, near 205, and never before the price reaches it", () => {
    const r = run(["stop SOL at 205"]);
    const f = fills(r.events);
    expect(f).toHaveLength(1);
    const [sale] = f;
    expect(sale).toMatchObject({ rule: 1, firing: 1, side: "sell", symbol: "SOL", amount: 10, quote: "USDC", capped: false });
    expect(Math.abs((sale?.priceUsd ?? 0) - 205) / 205).toBeLessThan(0.005);
    // Every close before the fill was above 205, except the one crossing it (confirmed by the fill's).
    const before = sol.filter((c) => c.t >= JAN7 && c.t < (sale?.t ?? 0));
    expect(before.filter((c) => c.c <= 205).map((c) => c.t)).toEqual([(sale?.t ?? 0) - HOUR]);
    expect(sale?.t).toBe(Date.UTC(2025, 0, 7, 20));
    expect(sale?.quoteAmount).toBeCloseTo(10 * 204.36 * 0.997, 4);
    expect(sale?.feeUsd).toBeCloseTo(10 * 204.36 * 0.003, 6);
    expect(r.rules[0]).toMatchObject({ state: "done", fills: 1, levelUsd: 205 });
    expect(r.final.holdings.find((h) => h.symbol === "SOL")?.amount).toBe(0);
  });

  it("a limit buy at 200 fills once near 200; a limit buy at 150 stays armed", () => {
    const r = run(["limit buy SOL 500 at 200", "limit buy SOL 100 at 150"]);
    const f = fills(r.events);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ rule: 1, side: "buy", quote: "USDC", quoteAmount: 500 });
    expect(f[0]?.priceUsd).toBeLessThanOrEqual(200);
    expect(Math.abs((f[0]?.priceUsd ?? 0) - 200) / 200).toBeLessThan(0.01);
    expect(f[0]?.amount).toBeCloseTo((500 * 0.997) / (f[0]?.priceUsd ?? 1), 6);
    expect(r.rules.map((x) => x.state)).toEqual(["done", "armed"]);
  });

  it("a trailing stop follows a rise and fires, confirmed, on the fall from its high", () => {
    // SOL rose from ~185 on 2025-01-13 to ~290 on 2025-01-19, then fell.
    const r = run(["trail SOL 10%"], { from: Date.UTC(2025, 0, 13) });
    const [sale] = fills(r.events);
    const high = r.rules[0]?.levelUsd ?? 0;
    expect(high).toBeGreaterThan(250);
    expect(sale).toBeDefined();
    expect(1 - (sale?.priceUsd ?? 0) / high).toBeGreaterThanOrEqual(0.1);
    // Confirmed: the close before the fill was already 10% below the high; the one before that was not.
    const prev = closeAt((sale?.t ?? 0) - HOUR);
    const prev2 = closeAt((sale?.t ?? 0) - 2 * HOUR);
    expect(1 - prev / high).toBeGreaterThanOrEqual(0.1);
    expect(1 - prev2 / high).toBeLessThan(0.1);
  });

  it("a DCA every 6h times 3 makes exactly 3 buys, 6 hours apart, from the moment it is set", () => {
    const r = run(["dca SOL 100 every 6h times 3"]);
    const f = fills(r.events);
    expect(f.map((e) => e.t)).toEqual([JAN7, JAN7 + 6 * HOUR, JAN7 + 12 * HOUR]);
    expect(f.map((e) => e.firing)).toEqual([1, 2, 3]);
    expect(r.rules[0]).toMatchObject({ state: "done", fills: 3 });
    expect(r.final.holdings.find((h) => h.symbol === "USDC")?.amount).toBeCloseTo(700, 9);
  });

  it("a stop and a take-profit on the same holding: the first to fire cancels the other", () => {
    const r = run(["tp SOL at 240", "stop SOL at 205"]);
    expect(r.events.map((e) => e.kind)).toEqual(["fill", "cancel"]);
    expect(r.events[1]).toMatchObject({ kind: "cancel", rule: 1, by: 2 });
    expect(r.rules.map((x) => x.state)).toEqual(["cancelled", "done"]);
  });

  it("a sell larger than the holding sells what is held; a buy without the money is skipped", () => {
    const r = run(["stop SOL at 205 25", "limit buy SOL 5000 at 200"]);
    const [sale] = fills(r.events);
    expect(sale).toMatchObject({ amount: 10, capped: true });
    expect(r.events.find((e) => e.kind === "skip")).toMatchObject({ rule: 2, reason: expect.stringMatching(/insufficient USDC/) });
    expect(r.rules[1]?.state).toBe("failed");
  });

  it("prints fills, PnL and fees beside buy-and-hold", () => {
    const text = formatAutomationBacktest(run(["stop SOL at 205"]));
    expect(text).toMatch(/^Automation backtest 2025-01-07 00:00 to 2025-01-31 23:00 UTC: 600 steps/);
    expect(text).toContain("Start: 10 SOL, 1,000 USDC = $3,177.80");
    expect(text).toContain("2025-01-07 20:00  #1  sell 10 SOL at $204.36 -> 2,037.4692 USDC, fee $6.13  [firing 1]");
    expect(text).toMatch(/\n\s+Automations\s+Buy and hold\n/);
    expect(text).toMatch(/\nPnL\s+-\$140\.33 \(-4\.42%\)\s+\+\$139\.90 \(\+4\.40%\)\n/);
    expect(text).toMatch(/\nFees\s+\$6\.13\s+\$0\.00\n/);
  });

  it("names the rule that cannot be set", () => {
    expect(() => run(["stop SOL at 205", "stop SOL at 230"])).toThrow(/rule 2 "stop SOL at 230": SOL is at \$217\.78 now/);
    expect(() => run(["stop DOGE at 1"])).toThrow(UserError);
  });
});

describe("npm run backtest:auto", () => {
  const tsx = join(process.cwd(), "node_modules/.bin/tsx");
  const cli = (...args: string[]) => spawnSync(tsx, ["bots/backtest-auto.ts", ...args], { encoding: "utf8", timeout: 60_000 });

  it("replays the rules given on the command line and prints the report; bad input exits 1 with one line", () => {
    const ok = cli("--rules", "stop SOL at 205; dca SOL 100 every 6h times 3", "--hold", "SOL=10,USDC=1000", "--from", "2025-01-07", "--to", "2025-01-31", "--json");
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const j = JSON.parse(ok.stdout);
    expect(j.events.filter((e: { kind: string }) => e.kind === "fill")).toHaveLength(4);
    expect(j).toMatchObject({ from: "2025-01-07T00:00:00.000Z", feeBps: 30 });
    const bad = cli("--rules", "stop SOL 205");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^backtest:auto: rule 1 "stop SOL 205": Missing "at <price or N%>"/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });
});
