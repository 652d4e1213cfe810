import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createDatabase, migrate, repositories } from "../../db/index.js";
import { replayApp, solAt } from "../helpers/automation-replay.js";
import { limitBuy, seedAutomations } from "../helpers/automation-seed.js";
import { row, type BenchRow } from "./harness.js";

/**
 * Issue 17: 1,000 automations firing on ONE tick all execute exactly once (paper). The whole app on
 * a SQLite file database, replayed SOL at 2025-01-07 00:00 (217.78): 50 users with 20 armed limit
 * buys each (10 USDC at or below 250, so all are past their level at the next tick). One poll
 * publishes the tick; we time until the engine is idle (every firing claimed, quoted, ordered,
 * filled and settled with its push in the outbox), then the outbox delivery, and check: 1,000
 * firings, 1,000 filled orders, one per automation, every automation done. Beside it, in the same
 * process and database, the baseline: 1,000 direct paper trades (preview + Confirm through the
 * trading service, the path every firing takes), 50 users at once, each user's trades in turn.
 */

const USERS = 50;
const PER_USER = 20;
const N = USERS * PER_USER;
const START = "2025-01-07T00:00:00Z";
/**
 * Target: the whole burst executed within 30 s of its tick, the default QUOTE_TTL_S: a firing that
 * waited longer would act later than any person's Confirm is allowed to after their preview.
 */
const TARGET_MS = 30_000;

export async function automationsExecBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "purser-autobench-"));
  const url = `sqlite:${join(dir, "bench.db")}`;
  const db = createDatabase(url);
  await migrate(db.db);
  const repos = repositories(db);
  const seeded = await seedAutomations(repos, { users: USERS, perUser: PER_USER, firstChat: 500_000, now: Date.UTC(2026, 0, 1), rule: () => limitBuy(250, 10, solAt(Date.parse(START))) });
  const r = await replayApp({
    start: START,
    db,
    env: { PAPER_START_USDC: "1000000", MAX_TRADE_USD: "100000", DAILY_TRADE_CAP_USD: "100000000", MAX_AUTOMATIONS_PER_USER: "1000" },
  });
  try {
    // The firing tick: one poll, then the engine's own pace until idle.
    r.clock.advance(3_600_000);
    const t0 = performance.now();
    const ticks = await r.app.market.market.pollOnce();
    await r.engine.runDue();
    await r.engine.idle();
    const execMs = performance.now() - t0;
    const t1 = performance.now();
    while ((await r.app.services.outbox.runOnce()) > 0);
    const pushMs = performance.now() - t1;

    const orders = await db.db.selectFrom("orders").select(["automation_id", "automation_firing", "status"]).where("automation_id", "is not", null).execute();
    const fired = await db.db.selectFrom("automation_firings").select(["automation_id", "n", "status"]).execute();
    const states = await db.db.selectFrom("automations").select(["state", (eb) => eb.fn.countAll<number>().as("n")]).groupBy("state").execute();
    const perAutomation = new Map<string, number>();
    for (const o of orders) perAutomation.set(o.automation_id!, (perAutomation.get(o.automation_id!) ?? 0) + 1);
    const once =
      orders.length === N &&
      orders.every((o) => o.status === "filled" && Number(o.automation_firing) === 1) &&
      seeded.automations.every((a) => perAutomation.get(a.id) === 1) &&
      fired.length === N &&
      fired.every((f) => f.status === "filled" && Number(f.n) === 1) &&
      states.length === 1 &&
      states[0]!.state === "done";
    const tick = ticks.find((t) => t.symbol === "SOL");

    // A second tick past the level: nothing more may happen.
    await r.tick();
    const after = await db.db.selectFrom("orders").select((eb) => eb.fn.countAll<number>().as("n")).where("automation_id", "is not", null).executeTakeFirstOrThrow();
    const noRefire = Number(after.n) === N;

    // Baseline: direct paper trades, the same size, in the same app and database.
    const sol = r.app.market.tokens.builtin("SOL")!;
    const usdc = r.app.market.tokens.builtin("USDC")!;
    const trading = r.app.services.trading;
    const base = await seedAutomations(repos, { users: USERS, perUser: 0, firstChat: 600_000, now: r.clock.now(), rule: () => limitBuy(1, 1, 1) });
    let filled = 0;
    const b0 = performance.now();
    await Promise.all(
      base.users.map(async (u) => {
        for (let k = 0; k < PER_USER; k++) {
          const o = await trading.preview(u.userId, { side: "buy", input: usdc, output: sol, amount: { kind: "units", units: 10_000_000n } }, { platform: "telegram", chatId: u.chatId });
          if ((await trading.confirm(u.userId, o.id)).kind === "filled") filled++;
        }
      }),
    );
    const baseMs = performance.now() - b0;

    const autoRate = (N / execMs) * 1000;
    const baseRate = (N / baseMs) * 1000;
    const verdict = once && noRefire && filled === N;
    return [
      row(
        `automations: ${N.toLocaleString("en-US")} firing on one tick, executed (paper, SQLite file)`,
        { n: N, totalMs: execMs, opsPerSec: autoRate, p50Ms: execMs / N, p99Ms: execMs / N },
        `tick SOL ${tick?.usd ?? "?"} -> ${orders.length} orders, ${fired.length} firings in ${execMs.toFixed(0)} ms; pushes delivered in ${pushMs.toFixed(0)} ms (p50/p99 = mean per firing)`,
        { id: "automations-exec.execute" },
      ),
      row(
        `automations: baseline, ${N.toLocaleString("en-US")} direct paper trades (preview + Confirm, ${USERS} users at once)`,
        { n: N, totalMs: baseMs, opsPerSec: baseRate, p50Ms: baseMs / N, p99Ms: baseMs / N },
        `${filled} filled in ${baseMs.toFixed(0)} ms; automations run at ${((autoRate / baseRate) * 100).toFixed(0)}% of direct trades`,
        { id: "automations-exec.baseline.direct" },
      ),
      row(
        `automations: ${N.toLocaleString("en-US")} firings executed within ${TARGET_MS / 1000} s of their tick`,
        null,
        `${(execMs / 1000).toFixed(1)} s`,
        { id: "automations-exec.deadline", target: { text: `all within ${TARGET_MS / 1000} s`, pass: execMs <= TARGET_MS } },
      ),
      row(
        "automations: every firing executed exactly once",
        null,
        `${perAutomation.size} automations with an order, max ${Math.max(0, ...perAutomation.values())} per automation, ${fired.length} firings, states ${JSON.stringify(Object.fromEntries(states.map((s) => [s.state, Number(s.n)])))}, no refire on the next tick`,
        { id: "automations-exec.exactly_once", target: { text: "one order per firing, no refire", pass: verdict } },
      ),
    ];
  } finally {
    await r.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
