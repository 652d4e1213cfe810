import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTelegramFake, type TelegramFake } from "../fakes/telegram-bot-api.js";
import { deadline, enqueueFill, fireAlert, outboxRow, sharedDatabases, sleep, startPurser, until, type Purser, type SharedDb } from "../helpers/outbox-faults.js";

/*
 * Issue 14, item 7: SIGKILL Purser again and again during a burst of pushes. Telegram has no
 * idempotency key, so a kill after Telegram accepted a message and before the outbox recorded it
 * sends that message again after the lease. Nothing may be lost, a message gets one extra copy per
 * kill that caught it inside that window (in the chat, not yet marked in the database once the process
 * was gone), never more, and none arrives more than twice.
 *
 * Half the kills land exactly inside the window of a message sent for the first time (the fake has
 * put it in the chat and the process is killed before the answer is written); the others at varied
 * delays after a first-time send.
 */

const ROUNDS = 8;
const ALERTS = 40;
const FILLS = 20;
const KEY = /\b(?:alk|ork)\d{4}\b/g;

for (const d of sharedDatabases) {
  describe.skipIf(d.skip)(`repeated SIGKILLs during a burst of pushes on ${d.name}${d.skip ? ` (skipped: ${d.skip})` : ""}`, () => {
    let w: SharedDb;
    let tg: TelegramFake;
    let proc: Purser | undefined;
    beforeEach(async () => {
      w = await d.open();
      tg = await startTelegramFake(); // with Telegram's limits: the process paces itself
    });
    afterEach(async () => {
      await proc?.kill();
      await Promise.all([tg.close(), w.close()]);
    });

    /** How many times each message (by the alert or order id in its text) reached its chat. */
    const receipts = () => {
      const n = new Map<string, number>();
      for (const m of tg.sent) for (const k of String(m.text ?? "").match(KEY) ?? []) n.set(k, (n.get(k) ?? 0) + 1);
      return n;
    };
    const pendingKeys = async () => {
      const rows = await w.db.db.selectFrom("outbox").select("payload").where("state", "=", "pending").execute();
      return new Set(rows.flatMap((r) => r.payload.match(KEY) ?? []));
    };
    const start = async () =>
      (proc = await startPurser(w, {
        PURSER_ROLE: "worker", // pushes only: no intake to start
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        OUTBOX_LEASE_S: "1",
      }));

    it("nothing is lost, nothing arrives more than twice, and only a message a kill caught between Telegram's answer and its mark arrives again", async () => {
      // Alert firings and trade fills, each to its own chat: a burst paced only by Telegram's 30/s.
      const ids: string[] = [];
      for (let i = 0; i < ALERTS + FILLS; i++) {
        const id = `${i < ALERTS ? "alk" : "ork"}${String(i).padStart(4, "0")}`;
        ids.push(id);
        if (i < ALERTS) await fireAlert(w, id, { platform: "telegram", chatId: String(7000 + i) });
        else await enqueueFill(w, id, { platform: "telegram", chatId: String(7000 + i) });
      }

      // A kill's window: messages this process got into a chat that were still unmarked once it was gone.
      const hits = new Map<string, number>(); // message -> kills that caught it in their window
      const killedAtAnswer: string[] = [];
      let kills = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const atAnswer = round % 2 === 0;
        const nth = 1 + (round % 3); // the nth message this process gets into a chat for the first time triggers the kill
        const delayMs = [0, 3, 9, 17, 28][round % 5]!;
        const before = receipts();
        let fresh = 0;
        let triggered!: () => void;
        const trigger = new Promise<void>((r) => (triggered = r));
        let p: Purser | undefined;
        tg.setGate({
          after: async (c) => {
            const key = c.method === "sendMessage" ? String(c.params.text).match(KEY)?.[0] : undefined;
            if (!key || before.has(key) || ++fresh !== nth) return;
            if (atAnswer) {
              killedAtAnswer.push(key);
              await p!.kill(); // the message is in the chat; the process never hears Telegram's answer
            }
            triggered();
          },
        });
        p = await start();
        // Generous: a loaded machine takes 15 s to start Purser.
        await Promise.race([trigger, p.exited, deadline(90_000, () => `round ${round}: ${fresh} first-time sends\n${p!.stderr()}`)]);
        expect(fresh, `round ${round}: the process exited before sending\n${p.stderr()}`).toBeGreaterThanOrEqual(nth);
        if (!atAnswer) {
          await sleep(delayMs); // a varied moment after a send: perhaps inside the window, mostly not
          await p.kill();
        }
        kills++;
        tg.setGate(null);
        // What the dead process had already written to its sockets is read (and counted) before the
        // window is judged: otherwise a send still in a socket buffer is counted only after it.
        await tg.quiet();
        const pending = await pendingKeys();
        for (const [k, n] of receipts()) if (n > (before.get(k) ?? 0) && pending.has(k)) hits.set(k, (hits.get(k) ?? 0) + 1);
      }

      await start(); // the last process delivers the rest
      await until(async () => ((await pendingKeys()).size === 0 ? true : undefined), 120_000, "every push marked sent");
      const got = receipts();
      const lost = ids.filter((k) => !got.has(k));
      const doubled = ids.filter((k) => got.get(k) === 2);
      const more = ids.filter((k) => (got.get(k) ?? 0) > 2);
      const states = await w.db.db.selectFrom("outbox").select(["state", (eb) => eb.fn.countAll<number>().as("n")]).groupBy("state").execute();
      console.info(
        `[${d.name}] rounds ${ROUNDS}, kills ${kills} (${killedAtAnswer.length} at Telegram's answer), messages ${ids.length}, lost ${lost.length}, ` +
          `doubled ${doubled.length} (${doubled.join(", ")}), more than twice ${more.length} (${more.map((k) => `${k}: ${got.get(k)} copies, caught by ${hits.get(k)} kills`).join("; ")}); ` +
          `messages caught in a kill's window ${hits.size}`,
      );
      expect(states.map((s) => [s.state, Number(s.n)])).toEqual([["sent", ids.length]]);
      expect(lost).toEqual([]);
      // The guarantee: one extra copy per kill that caught the message inside its window, never more;
      // a message no kill caught there arrives exactly once (so more than twice means two kills caught it).
      expect(ids.filter((k) => got.get(k)! > 1 + (hits.get(k) ?? 0))).toEqual([]);
      expect(killedAtAnswer.filter((k) => got.get(k)! < 2)).toEqual([]); // caught at the answer: sent again, not lost
      // No message arrives more than twice: the kills are timed from first-time sends, and a push taken
      // over from a killed process is sent alone and marked before any first-time send goes out.
      expect(more).toEqual([]);
    }, 480_000);

    it("a push in parts (a chart, then its text) killed between the parts: after the restart only the text is sent", async () => {
      let holding!: () => void;
      const held = new Promise<void>((r) => (holding = r));
      tg.setGate({
        before: async (c) => {
          if (c.method !== "sendMessage" || String(c.params.chat_id) !== "8001") return;
          holding();
          await new Promise(() => undefined); // the text never gets through: the process dies here
        },
      });
      const png = new Uint8Array(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64"));
      const key = "treasury:tpk0001";
      await w.repos.outbox.enqueue(
        {
          dedupeKey: key,
          kind: "treasury.report",
          target: { platform: "telegram", chatId: "8001" },
          reply: {
            kind: "info",
            blocks: [
              { type: "text", spans: [{ text: "Treasury report tpk0001", style: "bold" }] },
              { type: "table", rows: [["SOL", "52%"], ["USDC", "48%"]] },
              { type: "image", png, alt: "treasury allocation before and after" },
            ],
            private: true,
          },
        },
        Date.now(),
      );
      const first = await start();
      await Promise.race([
        held,
        first.exited.then(() => Promise.reject(new Error(`purser exited:\n${first.stderr()}`))),
        deadline(90_000, () => "the text part reached Telegram"),
      ]);
      await first.kill();
      tg.setGate(null);
      await start();
      await tg.waitFor((m) => String(m.chat_id) === "8001" && m.method === "sendMessage" && String(m.text).includes("tpk0001"), 90_000);
      await until(async () => ((await outboxRow(w, key)).state === "sent" ? true : undefined), 10_000, "the report marked sent");
      const to8001 = tg.sent.filter((m) => String(m.chat_id) === "8001");
      expect(to8001.map((m) => m.method)).toEqual(["sendPhoto", "sendMessage"]); // the chart once, then the text
    }, 240_000);
  });
}
