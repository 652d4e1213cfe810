import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildApp } from "../../bots/app.js";
import { loadConfig } from "../../bots/config.js";
import { createTelegram } from "../../bots/telegram.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { InboundMessage } from "../../core/domain/message.js";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { OFFLINE_ENV } from "../helpers/app.js";
import { measure, row, type BenchRow } from "./harness.js";

/**
 * Updates/s through the real Telegram adapter (grammY runner long-polling a local fake Bot API,
 * HTML rendering, sendMessage over HTTP) for /whoami, beside the raw router on the same database
 * in the same run. Outbound throttling is off on both sides here: with it on, Telegram's own
 * limits (30 msg/s) would be measured instead of our code.
 */
export async function telegramBench(n = 3000): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "purser-tgbench-"));
  const tg = await startTelegramFake({ limits: false });
  const config = loadConfig({
    ...OFFLINE_ENV,
    DATABASE_URL: `sqlite:${join(dir, "bench.db")}`,
    USER_RATE_LIMIT_PER_MIN: "100000",
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    MARKET_SOURCE: "replay",
  });
  const app = await buildApp(config, { log: silentLogger });
  const adapter = createTelegram(app, { botInfo: tg.botInfo, throttle: false });
  await adapter.start();
  const chats = 500;
  // warm-up
  for (let i = 0; i < 200; i++) tg.message({ chatId: 10_000 + (i % chats), fromId: 10_000 + (i % chats), text: "/whoami" });
  await waitSent(tg, 200);
  const base = tg.sent.length;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tg.message({ chatId: 20_000 + (i % chats), fromId: 20_000 + (i % chats), text: "/whoami" });
  await waitSent(tg, base + n);
  const ms = performance.now() - t0;
  await adapter.stop();

  let seq = 0;
  const raw = await measure(n, async (i) => {
    const u = String(30_000 + (Math.abs(i) % chats));
    const msg: InboundMessage = {
      platform: "telegram",
      updateId: `raw-${++seq}`,
      chat: { id: u, kind: "private" },
      sender: { id: u, name: u },
      text: "/whoami",
      botUsername: "PurserBot",
    };
    await app.router.handle(msg, async () => undefined);
  });
  await app.close();
  await tg.close();
  rmSync(dir, { recursive: true, force: true });
  const perSec = (n / ms) * 1000;
  return [
    {
      id: "telegram.whoami.adapter",
      name: "telegram adapter /whoami (runner -> router -> HTML -> fake API)",
      opsPerSec: perSec,
      p50Ms: null,
      p99Ms: null,
      note: `${n} updates in ${(ms / 1000).toFixed(2)} s; ${((perSec / raw.opsPerSec) * 100).toFixed(0)}% of the raw router`,
    },
    row("  raw router /whoami, same database", raw, "no platform I/O", { id: "telegram.whoami.raw" }),
  ];
}

async function waitSent(tg: { sent: readonly unknown[] }, count: number, timeoutMs = 120_000) {
  const t0 = Date.now();
  while (tg.sent.length < count) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`only ${tg.sent.length}/${count} replies`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
