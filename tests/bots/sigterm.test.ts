import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTelegramFake } from "../fakes/telegram-bot-api.js";
import { probe, until } from "../helpers/faults.js";
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

/** Up means /healthz answers 200 (a loaded machine can take a long while to start a process). */
const waitUp = (port: number, p: { stderr: () => string }) =>
  until(async () => (await probe(port, "/healthz")).status === 200, "purser to serve /healthz", 90_000, p.stderr);

/** True once nothing listens on the port any more (a new connection is refused). */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", () => resolve(true));
  });

describe("SIGTERM during a burst", () => {
  it("every accepted update gets its reply, the rest are redelivered to the next process, none twice", async () => {
    const tg = await startTelegramFake({ limits: false });
    const dir = mkdtempSync(join(tmpdir(), "purser-term-"));
    try {
      const port1 = await freePort();
      const first = startPurser(dir, port1, tg);
      await waitUp(port1, first);
      const updates = Array.from({ length: 60 }, (_, i) => tg.message({ chatId: 90_000 + i, fromId: 90_000 + i, text: "/start" }));
      const accepted = new Set<number>();
      const deliver = async (u: (typeof updates)[number]) => {
        const status = await tg.deliverWebhook(`http://127.0.0.1:${port1}/tg`, u, SECRET).catch(() => 0);
        if (status === 200) accepted.add(u.update_id);
      };
      // The first half of the burst arrives; Telegram holds the replies, so those updates are still
      // being handled when SIGTERM comes (an event, not a guess at how long handling takes).
      tg.hold("sendMessage");
      const early = updates.slice(0, 30).map(deliver);
      await until(() => tg.calls.some((c) => c.method === "sendMessage"), "a reply in flight", 60_000, first.stderr);
      first.child.kill("SIGTERM"); // mid-burst
      // Intake stops: the listener closes (new connections refused) while the held updates are still in flight.
      await until(() => refused(port1), "the webhook listener to close", 60_000, first.stderr);
      // The second half of the burst arrives after that: none of it can be accepted.
      await Promise.all(updates.slice(30).map(deliver));
      tg.release("sendMessage");
      await Promise.all(early);
      expect(await first.exited).toBe(0);
      const repliedBy1 = new Set(tg.sent.map((m) => Number(m.chat_id)));
      for (const u of updates) if (accepted.has(u.update_id)) expect(repliedBy1.has(u.message!.chat.id)).toBe(true);
      expect(accepted.size).toBeGreaterThan(0);
      expect(accepted.size).toBeLessThan(60);
      expect(tg.sent.length).toBe(repliedBy1.size); // and none twice

      // Telegram redelivers everything it did not get a 200 for - here, everything, to be harsh.
      const port2 = await freePort();
      const second = startPurser(dir, port2, tg);
      await waitUp(port2, second);
      for (const u of updates) expect(await tg.deliverWebhook(`http://127.0.0.1:${port2}/tg`, u, SECRET)).toBe(200);
      await until(() => tg.sent.length >= 60, "60 replies", 60_000, second.stderr);
      // Nothing can be sent after the process has exited: counting then leaves no room for a late duplicate.
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
      expect(tg.sent).toHaveLength(60);
      expect(new Set(tg.sent.map((m) => String(m.chat_id))).size).toBe(60);
    } finally {
      await tg.close();
    }
  }, 240_000);
});
