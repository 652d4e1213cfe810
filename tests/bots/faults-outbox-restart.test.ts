import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startDiscordFake, type DiscordFake } from "../fakes/discord-api.js";
import { startTelegramFake, type SentMessage, type TelegramFake } from "../fakes/telegram-bot-api.js";
import { deadline, enqueueFill, fireAlert, outboxRow, sharedDatabases, startPurser, until, type Purser, type SharedDb } from "../helpers/outbox-faults.js";

/*
 * Issue 14, item 2: pushes pending when Purser starts are delivered, whatever the start order, and a
 * push in flight when the process was SIGKILLed reaches the user soon after the restart. Real Purser
 * OS processes on a real SQLite file or Postgres database, the real grammY and discord.js clients
 * against the fake Telegram and Discord.
 */

const SECRET = "faults-outbox-webhook-secret";
const DISCORD_USER = "80351110224678912";
const to = (chat: string | number) => (m: SentMessage) => String(m.chat_id) === String(chat);
const seen = (tg: TelegramFake, chat: number, text: string) => tg.sent.filter((m) => to(chat)(m) && String(m.text).includes(text));

for (const d of sharedDatabases) {
  describe.skipIf(d.skip)(`outbox across restarts on ${d.name}${d.skip ? ` (skipped: ${d.skip})` : ""}`, () => {
    let w: SharedDb;
    let tg: TelegramFake;
    let discord: DiscordFake | undefined;
    const procs: Purser[] = [];
    const telegramOnly = (extra: Record<string, string> = {}) =>
      startPurser(w, {
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        TELEGRAM_WEBHOOK_URL: "https://purser.example/tg",
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        ...extra,
      }).then((p) => (procs.push(p), p));

    beforeEach(async () => {
      w = await d.open();
      tg = await startTelegramFake();
    });
    afterEach(async () => {
      await Promise.all(procs.splice(0).map((p) => p.kill()));
      await Promise.all([tg.close(), discord?.close(), w.close()]);
      discord = undefined;
    });

    it("pushes due before the notifiers register are delivered, not skipped; a Discord push waits for a process that runs Discord", async () => {
      // Written before any process runs: an alert firing and a trade fill for Telegram, and the
      // alert's copy for the user's Discord (this first process runs Telegram only).
      const alertKey = await fireAlert(w, "alstart1", { platform: "telegram", chatId: "5001" });
      const fillKey = await enqueueFill(w, "orstart1", { platform: "telegram", chatId: "5002" });
      const discordKey = await fireAlert(w, "alstart2", { platform: "discord", chatId: DISCORD_USER });

      const first = await telegramOnly();
      await until(() => (seen(tg, 5001, "alstart1").length && seen(tg, 5002, "orstart1").length ? true : undefined), 90_000, `both Telegram pushes delivered\n${first.stderr()}`);
      console.info(`[${d.name}] pushes pending at start-up delivered ${Date.now() - first.startedAt} ms after the process was started`);
      // A row is marked sent once Telegram's answer is back: that follows the delivery, so wait for it.
      await until(async () => ((await outboxRow(w, alertKey)).state === "sent" ? true : undefined), 60_000, "alert row marked sent");
      await until(async () => ((await outboxRow(w, fillKey)).state === "sent" ? true : undefined), 60_000, "fill row marked sent");
      // The Discord row was due in the same rounds: this process never took it, so it is untouched.
      expect(await outboxRow(w, discordKey)).toMatchObject({ state: "pending", attempts: 0, last_error: null });

      // A worker that runs Discord (its REST API only: no gateway) delivers it.
      discord = await startDiscordFake();
      const second = await startPurser(w, {
        PURSER_ROLE: "worker",
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_ROOT: discord.apiRoot,
      });
      procs.push(second);
      const post = await discord.waitFor((p) => p.kind === "channel" && p.text.includes("alstart2"), 90_000);
      expect(post.text).toContain("SOL is above");
      await until(async () => ((await outboxRow(w, discordKey)).state === "sent" ? true : undefined), 60_000, "discord row marked sent");
      expect([seen(tg, 5001, "alstart1").length, seen(tg, 5002, "orstart1").length]).toEqual([1, 1]);
    }, 240_000);

    // SQLite runs the default lease (the 60 s promise is about the default); Postgres a 3 s one.
    const lease = d.name === "sqlite" ? undefined : "3";
    it(`a push in flight when Purser is SIGKILLed reaches the user within seconds of the restart, once (${lease ? `${lease} s` : "default"} lease)`, async () => {
      // Chat 6001's first request gets a 502; the next (grammY's retry, or the outbox's) is held by
      // Telegram, unprocessed, while we SIGKILL Purser.
      let attempts = 0;
      let inFlight!: () => void;
      const held = new Promise<void>((r) => (inFlight = r));
      tg.setGate({
        before: async (c) => {
          if (c.method !== "sendMessage" || String(c.params.chat_id) !== "6001") return;
          if (++attempts === 1) return { error_code: 502, description: "Bad Gateway" };
          inFlight();
          await new Promise(() => undefined); // never answered: this process dies waiting
        },
      });
      const alertKey = await fireAlert(w, "alkill01", { platform: "telegram", chatId: "6001" });
      const fillKey = await enqueueFill(w, "orkill01", { platform: "telegram", chatId: "6002" });
      const first = await telegramOnly(lease ? { OUTBOX_LEASE_S: lease } : {});
      await Promise.race([
        held,
        first.exited.then(() => Promise.reject(new Error(`purser exited:\n${first.stderr()}`))),
        deadline(90_000, () => "the push reached Telegram"),
      ]);
      await first.kill();
      expect((await outboxRow(w, alertKey)).state).toBe("pending"); // still leased by the dead process
      tg.setGate(null);

      const callsBefore = tg.calls.length;
      const second = await telegramOnly(lease ? { OUTBOX_LEASE_S: lease } : {});
      const delivered = await tg.waitFor((m) => to(6001)(m) && String(m.text).includes("alkill01"), 90_000);
      // Counted from the new process's first call to Telegram (it is up and connecting), as the fake
      // saw it: how long a loaded machine takes to start a process is not the outbox's doing.
      const up = tg.calls.slice(callsBefore)[0]!.time;
      const ms = delivered.time - up;
      console.info(`[${d.name}] push in flight at SIGKILL delivered ${ms} ms after the restarted process was up, ${delivered.time - second.startedAt} ms after its start (lease ${lease ?? "default"})`);
      // Well under the 60 s promise (the default lease is 20 s, the dispatcher looks every few seconds).
      expect(ms).toBeLessThan(45_000);
      await until(async () => ((await outboxRow(w, alertKey)).state === "sent" ? true : undefined), 60_000, "alert row marked sent");
      expect(seen(tg, 6001, "alkill01")).toHaveLength(1); // the held request never reached the chat
      expect(seen(tg, 6002, "orkill01")).toHaveLength(1);
      await until(async () => ((await outboxRow(w, fillKey)).state === "sent" ? true : undefined), 60_000, "fill row marked sent");
    }, 240_000);
  });
}
