import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";

const tsx = join(process.cwd(), "node_modules/.bin/tsx");
const dir = mkdtempSync(join(tmpdir(), "purser-backtest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(tsx, ["bots/backtest.ts", ...args], { encoding: "utf8", timeout: 60_000 });

describe("npm run backtest (the CLI on the bundled 2025 H1 candles)", () => {
  it("--json prints only JSON with each metric for both strategies, and writes a PNG chart", () => {
    const out = join(dir, "chart", "bt.png");
    const r = run("--data", "data/replay", "--targets", "SOL=40,USDC=30,JUP=15,WBTC=10,BONK=5", "--band", "5", "--fee-bps", "30", "--json", "--out", out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(["from", "to", "steps", "intervalMs", "startUsd", "targets", "bandAbsPct", "feeBps", "rebalanced", "buyAndHold", "chart"]);
    expect(j).toMatchObject({ from: "2025-01-01T00:00:00.000Z", intervalMs: 3_600_000, startUsd: 10_000, bandAbsPct: 5, feeBps: 30, chart: out });
    expect(j.steps).toBeGreaterThan(4000);
    const metrics = ["finalValueUsd", "totalReturnPct", "maxDrawdownPct", "volatilityPct", "turnoverUsd", "feesUsd", "rebalances"];
    for (const side of [j.rebalanced, j.buyAndHold]) {
      expect(Object.keys(side)).toEqual(metrics);
      for (const m of metrics) expect(Number.isFinite(side[m])).toBe(true);
      expect(side.totalReturnPct).toBeCloseTo((side.finalValueUsd / 10_000 - 1) * 100, 9);
    }
    expect(j.rebalanced.rebalances).toBeGreaterThan(0);
    expect(j.rebalanced.feesUsd).toBeCloseTo(j.rebalanced.turnoverUsd * 0.003, 6);
    expect(j.buyAndHold).toMatchObject({ turnoverUsd: 0, feesUsd: 0, rebalances: 0 });

    expect(existsSync(out)).toBe(true);
    const png = PNG.sync.read(readFileSync(out));
    expect([png.width, png.height]).toEqual([1000, 560]);
    // Both lines are drawn: the rebalanced series in red or green, buy-and-hold in grey.
    let coloured = 0;
    let grey = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      if ((r > 180 && g < 80 && b < 80) || (g > 130 && r < 60 && b < 110)) coloured++;
      if (Math.abs(r - 107) < 12 && Math.abs(g - 114) < 12 && Math.abs(b - 128) < 12) grey++;
    }
    expect(coloured).toBeGreaterThan(2000);
    expect(grey).toBeGreaterThan(500);
  });

  it("prints a table of each metric beside buy-and-hold", () => {
    const r = run("--targets", "SOL=50,USDC=50", "--band", "5", "--from", "2025-02-01", "--to", "2025-02-28", "--interval", "4h", "--out", join(dir, "t.png"));
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("Backtest 2025-02-01 00:00 to 2025-02-28 20:00 UTC: 168 steps every 4h, start $10,000.00");
    expect(lines[1]).toBe("Targets SOL 50%, USDC 50%; band ±5 pp; fee 30 bps per swap");
    expect(lines[3]).toMatch(/^\s+Rebalanced\s+Buy and hold$/);
    for (const name of ["Final value", "Total return", "Max drawdown", "Volatility (annualised)", "Turnover", "Fees", "Rebalances"]) {
      expect(lines.some((l) => l.startsWith(name))).toBe(true);
    }
    expect(lines[lines.length - 1]).toBe(`Chart: ${join(dir, "t.png")}`);
    expect(r.stdout).not.toContain("\u001b["); // no progress bar when stdout is not a terminal
  });

  it("takes targets, band and fee from a treasury config (--config, loaded only when given)", () => {
    const r = run("--config", "deploy/treasury.example.yaml", "--from", "2025-02-01", "--to", "2025-02-07", "--json", "--out", join(dir, "cfg.png"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ targets: { SOL: 40, USDC: 30, JUP: 15, WBTC: 10, BONK: 5 }, bandAbsPct: 5, feeBps: 30 });
    const missing = run("--config", join(dir, "none.yaml"), "--out", join(dir, "never.png"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^backtest: treasury config .*none\.yaml cannot be read/);
  });

  it.each([
    [["--targets", "SOL=40,XYZ=60", "--band", "5"], "backtest: no candle file for XYZ in data/replay (it has BONK, BTC, ETH, JUP, SOL, USDC, WBTC)"],
    [["--targets", "SOL=40,USDC=50", "--band", "5"], "backtest: --targets must sum to 100, not 90"],
    [["--targets", "SOL=50,USDC=50", "--band", "5", "--from", "2025-02-30"], 'backtest: --from "2025-02-30" is not a date (use YYYY-MM-DD or an ISO time, UTC)'],
    [["--targets", "SOL=50,USDC=50", "--band", "5", "--from", "2025-03-01", "--to", "2025-02-01"], "backtest: --from 2025-03-01 must be before --to 2025-02-01"],
    [["--targets", "SOL=50,USDC=50", "--bnad", "5"], "backtest: unknown flag --bnad (see --help)"],
  ])("bad flags %j: one clear line and exit 1", (args, line) => {
    const r = run(...args, "--out", join(dir, "never.png"));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${line}\n`);
    expect(existsSync(join(dir, "never.png"))).toBe(false);
  });
});
