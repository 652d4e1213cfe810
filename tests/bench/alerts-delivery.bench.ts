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

/**
 * 1,000 alerts firing on one tick, delivered through the real Telegram adapter (grammY, throttler,
 * auto-retry) to a fake Bot API that enforces 30 msg/s overall and 1 msg/s per chat with real 429s.
 */
export async function alertDeliveryBench(n = 1000): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "purser-albench-"));
  const tg = await startTelegramFake(); // default limits: 30/s global, 1/s per chat, real 429s
  const clock = new FakeClock(Date.now());
  const app = await makeTestApp({
    clock,
    env: {
      DATABASE_URL: `sqlite:${join(dir, "bench.db")}`,
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
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
  while (tg.sent.length < n && performance.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - t0;
  const first = tg.sent[0]?.time ?? 0;
  const last = tg.sent[tg.sent.length - 1]?.time ?? 0;
  const chats = new Set(tg.sent.map((m) => String(m.chat_id)));
  const dupes = tg.sent.length - chats.size;
  const lat = app.services.outbox.latency();
  const maxWindow = tg.maxSendsInWindow(1000);
  await app.close();
  await tg.close();
  rmSync(dir, { recursive: true, force: true });
  const rate = ((tg.sent.length - 1) / Math.max(1, last - first)) * 1000;
  return [
    {
      id: `delivery.telegram.${n}`,
      name: `${n} alerts on one tick -> Telegram fake (30/s, 1/s/chat)`,
      opsPerSec: rate,
      p50Ms: lat.p50,
      p99Ms: lat.p99,
      target: {
        text: ">= 97% of 30 msg/s, every alert delivered, no 429s, no duplicates",
        pass: rate >= 0.97 * 30 && tg.sent.length === n && dupes === 0 && tg.tooManyRequests.length === 0,
      },
      note: `delivered ${tg.sent.length}/${n}, duplicates ${dupes}, 429s received ${tg.tooManyRequests.length}, max ${maxWindow} in any 1 s, ${((rate / 30) * 100).toFixed(1)}% of 30/s, all in ${(ms / 1000).toFixed(1)} s (firing+outbox writes ${fired.toFixed(0)} ms); latency = tick -> delivered`,
    },
  ];
}
