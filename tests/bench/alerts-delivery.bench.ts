import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createTelegram } from "../../bots/telegram.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { makeTestApp } from "../helpers/app.js";
import { FakeClock } from "../helpers/clock.js";
import { StaticPrices } from "../helpers/trading-world.js";
import type { BenchRow } from "./harness.js";

const LIMIT = 30;

/**
 * A CPU-bound loop that also ends on its own when the bench is gone (its parent changed: killed by a
 * signal that skipped our exit hook) or after 10 minutes, so it can never outlive a run.
 */
const SPIN = "const p = process.ppid, end = Date.now() + 600000; for (let i = 0; ; i++) if ((i & 0xfffff) === 0 && (process.ppid !== p || Date.now() > end)) process.exit();";

/** Two processes spinning on the CPU (a 2-core machine on a bad day) until stopped. */
function busyLoops(n = 2): () => void {
  const kids: ChildProcess[] = Array.from({ length: n }, () => spawn(process.execPath, ["-e", SPIN], { stdio: "ignore" }));
  const stop = () => {
    for (const k of kids) if (k.exitCode === null && k.signalCode === null) k.kill("SIGKILL");
  };
  process.once("exit", stop);
  return () => {
    stop();
    process.removeListener("exit", stop);
  };
}

/**
 * Sends per second over whole seconds from the first accepted send: Telegram counts sliding 1-second
 * windows, so a sender that fills each window early and then waits is not credited for the part of
 * the last window it never had to wait out (first-to-last over n-1 would be).
 */
function sustainedRate(times: readonly number[]): number {
  if (times.length < 2) return 0;
  const first = times[0]!;
  const seconds = Math.floor((times[times.length - 1]! - first) / 1000);
  if (seconds < 1) return ((times.length - 1) / Math.max(1, times[times.length - 1]! - first)) * 1000;
  return times.filter((t) => t < first + seconds * 1000).length / seconds;
}

/**
 * `n` alerts firing on one tick, delivered through the real Telegram adapter (grammY, our sliding-
 * window limits, auto-retry) and the outbox to a fake Bot API that enforces 30 msg/s overall and
 * 1 msg/s per chat with real 429s; `busy` runs it beside two busy-loop processes.
 */
export async function deliveryRun(n: number, busy: boolean): Promise<BenchRow> {
  const stopBusy = busy ? busyLoops() : () => {};
  const dir = mkdtempSync(join(tmpdir(), "purser-albench-"));
  try {
    const tg = await startTelegramFake(); // default limits: 30/s global, 1/s per chat, real 429s
    const clock = new FakeClock(Date.now());
    const app = await makeTestApp({
      clock,
      env: {
        DATABASE_URL: `sqlite:${join(dir, "bench.db")}`,
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        TELEGRAM_GLOBAL_PER_S: String(LIMIT),
        PRICE_CACHE_TTL_MS: "600000",
        USER_RATE_LIMIT_PER_MIN: "100000",
        MAX_ALERTS_PER_USER: "10",
      },
      market: { live: [new StaticPrices(clock)], replay: null },
    });
    const telegram = createTelegram(app, { botInfo: tg.botInfo });
    app.services.notifications.register(telegram.notifier());
    await app.services.alerts.start();
    for (let i = 0; i < n; i++) {
      const r = await app.say("/alert SOL above 200", { id: String(50_000 + i) });
      if (!r.text.startsWith("Alert ")) throw new Error(r.text);
    }
    const sol = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;
    const t0 = performance.now();
    app.services.alerts.onTicks([{ mint: sol.mint, symbol: "SOL", usd: 250, source: "static", at: clock.now() }]);
    await app.services.alerts.idle();
    const fired = performance.now() - t0;
    app.services.outbox.start();
    while (tg.sent.length < n && performance.now() - t0 < 180_000) await new Promise((r) => setTimeout(r, 20));
    const ms = performance.now() - t0;
    const times = tg.sent.map((m) => m.time);
    const chats = new Set(tg.sent.map((m) => String(m.chat_id)));
    const dupes = tg.sent.length - chats.size;
    const lat = app.services.outbox.latency();
    const maxWindow = tg.maxSendsInWindow(1000);
    const tooMany = tg.tooManyRequests.length;
    await app.close();
    await tg.close();
    const rate = sustainedRate(times);
    const span = (times[times.length - 1]! - times[0]!) / 1000;
    return {
      id: `delivery.telegram.${n}${busy ? ".busy" : ""}`,
      name: `${n} alerts on one tick -> Telegram fake (30/s, 1/s/chat)${busy ? ", 2 busy-loop processes beside" : ""}`,
      opsPerSec: rate,
      p50Ms: lat.p50,
      p99Ms: lat.p99,
      target: {
        text: `>= 97% of ${LIMIT}/s, 0 x 429, 0 duplicates`,
        pass: rate >= 0.97 * LIMIT && tg.sent.length === n && dupes === 0 && tooMany === 0,
      },
      note:
        `delivered ${tg.sent.length}/${n}, duplicates ${dupes}, 429s ${tooMany}, max ${maxWindow} in any 1 s, ` +
        `${((rate / LIMIT) * 100).toFixed(1)}% of ${LIMIT}/s over whole seconds (first to last ${(((times.length - 1) / span / LIMIT) * 100).toFixed(1)}%), ` +
        `sends over ${span.toFixed(1)} s, all in ${(ms / 1000).toFixed(1)} s (firing+outbox writes ${fired.toFixed(0)} ms); latency = tick -> delivered`,
    };
  } finally {
    stopBusy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Quiet, then beside two busy loops (measured first, so the loops are long gone when the suite's
 * after-probe runs): the limit must hold, at pace, when the event loop is starved.
 */
export async function alertDeliveryBench(n = 1000): Promise<BenchRow[]> {
  const busy = await deliveryRun(n, true);
  const quiet = await deliveryRun(n, false);
  return [quiet, busy];
}
