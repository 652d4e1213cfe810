import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure, row, type BenchRow } from "./harness.js";
import { press, tradingWorld } from "../helpers/trading-world.js";

/**
 * Paper trades through the full path: /buy parsed and policy-checked, a quote over HTTP from the
 * Jupiter fake (real @jup-ag/api client), the preview with bound buttons, Confirm, and the fill in
 * one database transaction - on the SQLite file database.
 */
export async function tradingBench(n = 1500): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "purser-trbench-"));
  const w = await tradingWorld({
    env: {
      TRADING_MODE: "paper",
      DATABASE_URL: `sqlite:${join(dir, "bench.db")}`,
      USER_RATE_LIMIT_PER_MIN: "100000",
      PAPER_START_USDC: "1000000000",
      MAX_TRADE_USD: "1000000",
      DAILY_TRADE_CAP_USD: "1000000000",
    },
  });
  const users = 50;
  let filled = 0;
  const m = await measure(
    n,
    async (i) => {
      const id = String(1000 + (Math.abs(i) % users));
      const preview = await w.app.say("/buy JUP 2", { id });
      const done = await w.app.press(press(preview, /^Confirm/), { id });
      if (done.text.includes("Filled")) filled++;
    },
    100,
  );
  await w.close();
  rmSync(dir, { recursive: true, force: true });
  if (filled < n) throw new Error(`only ${filled}/${n} trades filled`);
  return [row("paper trade: /buy -> quote (HTTP fake) -> Confirm -> fill", m, `${n} trades, all filled once; per trade = 2 messages`, { id: "trading.paper.buy" })];
}
