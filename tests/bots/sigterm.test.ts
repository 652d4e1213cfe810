import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";

const SECRET = "sigterm-test-webhook-secret";

const startPurser = (dir: string, port: number, tg: { token: string; apiRoot: string }) =>
  startPurserProcess(dir, port, {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    TELEGRAM_WEBHOOK_URL: "https://purser.example/tg",
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    USER_RATE_LIMIT_PER_MIN: "1000",
  });

async function waitUp(port: number) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("purser did not start");
}

describe("SIGTERM during a burst", () => {
  it("every accepted update gets its reply, the rest are redelivered to the next process, none twice", async () => {
    const tg = await startTelegramFake({ limits: false });
    const dir = mkdtempSync(join(tmpdir(), "purser-term-"));
    try {
      const port1 = await freePort();
      const first = startPurser(dir, port1, tg);
      await waitUp(port1);
      const updates = Array.from({ length: 60 }, (_, i) => tg.message({ chatId: 90_000 + i, fromId: 90_000 + i, text: "/start" }));
      const accepted = new Set<number>();
      const deliveries = updates.map(async (u, i) => {
        await new Promise((r) => setTimeout(r, i * 15));
        const status = await tg.deliverWebhook(`http://127.0.0.1:${port1}/tg`, u, SECRET).catch(() => 0);
        if (status === 200) accepted.add(u.update_id);
      });
      await new Promise((r) => setTimeout(r, 300));
      first.child.kill("SIGTERM"); // mid-burst
      await Promise.all(deliveries);
      expect(await first.exited).toBe(0);
      const repliedBy1 = new Set(tg.sent.map((m) => Number(m.chat_id)));
      for (const u of updates) if (accepted.has(u.update_id)) expect(repliedBy1.has(u.message!.chat.id)).toBe(true);
      expect(accepted.size).toBeGreaterThan(0);
      expect(accepted.size).toBeLessThan(60);

      // Telegram redelivers everything it did not get a 200 for - here, everything, to be harsh.
      const port2 = await freePort();
      const second = startPurser(dir, port2, tg);
      await waitUp(port2);
      for (const u of updates) expect(await tg.deliverWebhook(`http://127.0.0.1:${port2}/tg`, u, SECRET)).toBe(200);
      for (let i = 0; i < 100 && tg.sent.length < 60; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500));
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
      expect(tg.sent).toHaveLength(60);
      expect(new Set(tg.sent.map((m) => String(m.chat_id))).size).toBe(60);
    } finally {
      await tg.close();
    }
  }, 90_000);
});
