import { afterEach, describe, expect, it } from "vitest";
import type { ChatTarget, Identity, Platform } from "../../core/domain/identity.js";
import type { Order } from "../../core/domain/order.js";
import type { UserSettings } from "../../core/domain/user-settings.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { Notifier } from "../../core/ports/notifier.port.js";
import { plainText } from "../../core/router/reply.js";
import { Notifications } from "../../core/services/notifications.service.js";
import { OutboxDispatcher } from "../../core/services/outbox-dispatcher.service.js";
import type { AlertFired } from "../../core/services/push-events.js";
import { QuietHours } from "../../core/services/quiet-hours.js";
import { SettingsService } from "../../core/services/settings.service.js";
import { repositories, type Db } from "../../db/index.js";
import { levelAlert } from "../helpers/alerts.js";
import { FakeClock } from "../helpers/clock.js";
import { sharedTestDatabases, type TestDb } from "../helpers/databases.js";

const telegram: ChatTarget = { platform: "telegram", chatId: "100" };
const linked: Identity[] = [
  { platform: "telegram", platformUserId: "100", userId: "u1", displayName: "ann", linkedAt: 0 },
  { platform: "discord", platformUserId: "d-7", userId: "u1", displayName: "ann", linkedAt: 0 },
];
const at = (iso: string) => Date.parse(iso);
const NIGHT = { start: "22:00", end: "07:00", tz: "UTC" };

function fired(id: string, symbol: string, level: number): AlertFired {
  const alert = levelAlert({ id, userId: "u1", kind: "above", mint: `mint-${symbol}`, symbol, level, refValue: level - 10, notify: telegram, at: 0 });
  return { type: "alert.fired", alert, firing: 1, value: level + 1, marketNow: 0, receivedAt: 0 };
}

/** A filled order: one an automation placed (`auto`), or the user's own confirmed trade. */
function filled(id: string, auto = true): { type: "trade.filled"; order: Order } {
  const order: Order = {
    id, userId: "u1", mode: "paper", book: "paper", wallet: null, side: "buy", status: "filled",
    input: { mint: "usdc", symbol: "USDC", decimals: 6 }, output: { mint: "sol", symbol: "SOL", decimals: 9 },
    inAmount: 10_000_000n, quotedOut: 66_000_000n, minOut: 65_000_000n, slippageBps: 50, priceImpactPct: 0.01, route: ["test"],
    routeFees: null, simulated: false, quoteRaw: null, usdValue: 10, createdAt: 0, quoteExpiresAt: 30_000, confirmedAt: 0, signature: null, rawTx: null,
    lastValidBlockHeight: null, finalAt: 0, filledIn: 10_000_000n, filledOut: 66_100_000n, feeLamports: null, error: null, notify: telegram,
    automation: auto ? { id: "auto1", firing: 1 } : null,
  };
  return { type: "trade.filled", order };
}

/** What reached a chat: platform, chat and the text the user sees. */
type Sent = { platform: Platform; chatId: string; text: string };

/** One Purser process over the shared database: settings, pushes, the outbox dispatcher, and notifiers that record what they send. */
function processOn(db: Db, clock: FakeClock, sent: Sent[]) {
  const repos = repositories(db, clock);
  const settings = new SettingsService({ store: repos.userSettings, caps: { maxSlippageBps: 100, maxTradeUsd: 1000, maxPriorityFee: "high" }, clock, log: silentLogger, held: repos.heldPushes });
  const notifications = new Notifications({
    log: silentLogger,
    outbox: repos.outbox,
    clock,
    identities: async () => linked,
    pushPlatforms: async (u) => (await settings.get(u)).pushPlatforms,
  });
  for (const platform of ["telegram", "discord"] as const) {
    const n: Notifier = {
      platform,
      send: async (chatId, reply) => {
        sent.push({ platform, chatId, text: plainText(reply) });
        return { ok: true, messageIds: [`m${sent.length}`] };
      },
    };
    notifications.register(n);
  }
  const dispatcher = new OutboxDispatcher({
    store: repos.outbox,
    notifications,
    clock,
    log: silentLogger,
    maxAttempts: 3,
    admins: [],
    quiet: new QuietHours({ gate: settings, held: repos.heldPushes, log: silentLogger }),
  });
  const set = (patch: Partial<UserSettings>) => settings.update("u1", patch);
  return { db, repos, settings, notifications, dispatcher, set };
}

const states = async (db: Db) => (await db.db.selectFrom("outbox").select(["kind", "state"]).orderBy("created_at").orderBy("id").execute()).map((r) => `${r.kind}:${r.state}`);

const opened: TestDb[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.cleanup();
});

for (const t of sharedTestDatabases()) {
  describe.skipIf(t.skip)(`quiet hours hold pushes, then one summary (${t.name})`, () => {
    async function world(now: string) {
      const tdb = t.make();
      opened.push(tdb);
      const clock = new FakeClock(at(now));
      const sent: Sent[] = [];
      return { tdb, clock, sent, p: processOn(await tdb.open(), clock, sent) };
    }

    it("pushes during quiet hours are held, and when they end the user gets exactly one summary of them", async () => {
      const { clock, sent, p } = await world("2026-01-10T23:00:00Z");
      await p.set({ quietHours: NIGHT });
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a1", "SOL", 200));
      clock.advance(60_000);
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a2", "JUP", 2));
      clock.advance(3 * 3600_000); // 02:01
      await p.notifications.push({ userId: "u1", chat: telegram }, filled("o1"));
      clock.advance(60_000);
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a3", "BONK", 1));
      await p.dispatcher.runOnce();
      expect(sent).toEqual([]);
      expect(await states(p.db)).toEqual(["alert:held", "alert:held", "trade.filled:held", "alert:held"]);

      clock.t = at("2026-01-11T06:59:00Z");
      await p.dispatcher.runOnce();
      expect(sent).toEqual([]);

      clock.t = at("2026-01-11T07:00:00Z");
      await p.dispatcher.runOnce();
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ platform: "telegram", chatId: "100" });
      const lines = sent[0]!.text.split("\n");
      expect(lines[0]).toBe("While you were away: 3 alerts, 1 fill");
      expect(lines.slice(1)).toHaveLength(4);
      expect(lines[1]).toContain("SOL");
      expect(lines[2]).toContain("JUP");
      expect(lines[3]).toMatch(/SOL|USDC/);
      expect(lines[4]).toContain("BONK");

      // Exactly once: later rounds, and a second dispatcher, find nothing more to say.
      clock.advance(60_000);
      await p.dispatcher.runOnce();
      expect(sent).toHaveLength(1);
      expect(await states(p.db)).toEqual(["alert:skipped", "alert:skipped", "trade.filled:skipped", "alert:skipped", "quiet.summary:sent"]);
    });

    it("nothing held is lost across a restart: the next process sends the summary", async () => {
      const { tdb, clock, sent, p } = await world("2026-01-10T23:00:00Z");
      await p.set({ quietHours: NIGHT });
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a1", "SOL", 200));
      await p.notifications.push({ userId: "u1", chat: telegram }, filled("o1"));
      await p.dispatcher.runOnce();
      await p.dispatcher.stop();
      await p.db.close(); // the process is gone

      clock.t = at("2026-01-11T07:30:00Z");
      const afterSent: Sent[] = [];
      const again = processOn(await tdb.open(), clock, afterSent);
      await again.dispatcher.runOnce();
      expect(sent).toEqual([]);
      expect(afterSent.map((s) => s.text.split("\n")[0])).toEqual(["While you were away: 1 alert, 1 fill"]);
    });

    it("two dispatchers racing at the end of quiet hours send one summary between them", async () => {
      const { tdb, clock, sent, p } = await world("2026-01-10T23:00:00Z");
      await p.set({ quietHours: NIGHT });
      for (let i = 0; i < 5; i++) await p.notifications.push({ userId: "u1", chat: telegram }, fired(`a${i}`, "SOL", 200 + i));
      await p.dispatcher.runOnce();
      clock.t = at("2026-01-11T07:00:00Z");
      // One round at a time per dispatcher (its loop never overlaps rounds); three processes at once.
      const others = [processOn(await tdb.open(), clock, sent), processOn(await tdb.open(), clock, sent)];
      await Promise.all([p, ...others].map((x) => x.dispatcher.runOnce()));
      await Promise.all([p, ...others].map((x) => x.dispatcher.runOnce()));
      expect(sent.map((s) => s.text.split("\n")[0])).toEqual(["While you were away: 5 alerts"]);
    });

    it("a user who ends their quiet hours early gets the summary at the next round; one who moves them, at the new end", async () => {
      const { clock, sent, p } = await world("2026-01-10T23:00:00Z");
      await p.set({ quietHours: NIGHT });
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a1", "SOL", 200));
      await p.dispatcher.runOnce();
      await p.set({ quietHours: { start: "22:00", end: "05:00", tz: "UTC" } });
      clock.t = at("2026-01-11T04:59:00Z");
      await p.dispatcher.runOnce();
      expect(sent).toEqual([]);
      clock.t = at("2026-01-11T05:00:00Z");
      await p.dispatcher.runOnce();
      expect(sent.map((s) => s.text.split("\n")[0])).toEqual(["While you were away: 1 alert"]);

      clock.t = at("2026-01-11T23:00:00Z");
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a2", "JUP", 2));
      await p.dispatcher.runOnce();
      expect(sent).toHaveLength(1);
      await p.set({ quietHours: null });
      await p.dispatcher.runOnce();
      expect(sent.map((s) => s.text.split("\n")[0])).toEqual(["While you were away: 1 alert", "While you were away: 1 alert"]);
      expect(sent[1]!.text).toContain("JUP");
    });

    it("outside quiet hours a push is delivered at once, as itself", async () => {
      const { sent, p } = await world("2026-01-10T12:00:00Z");
      await p.set({ quietHours: NIGHT });
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a1", "SOL", 200));
      await p.dispatcher.runOnce();
      expect(sent).toHaveLength(1);
      expect(sent[0]!.text).toContain("SOL is above $200");
      expect(sent[0]!.text).not.toContain("While you were away");
    });

    it("pushes go only to the platforms the user chose: their linked account's DM there, not the chat of the alert", async () => {
      const { sent, p } = await world("2026-01-10T12:00:00Z");
      await p.set({ pushPlatforms: ["discord"] });
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a1", "SOL", 200));
      await p.dispatcher.runOnce();
      expect(sent.map((s) => [s.platform, s.chatId])).toEqual([["discord", "d-7"]]);

      sent.length = 0;
      await p.set({ pushPlatforms: ["telegram", "discord"] });
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a2", "JUP", 2));
      await p.dispatcher.runOnce();
      expect(sent.map((s) => [s.platform, s.chatId]).sort()).toEqual([["discord", "d-7"], ["telegram", "100"]]);

      // No chosen platform can reach them (no X DMs here): the push still reaches its own chat.
      sent.length = 0;
      await p.set({ pushPlatforms: ["twitter"] });
      await p.notifications.push({ userId: "u1", chat: telegram }, fired("a3", "BONK", 1));
      await p.dispatcher.runOnce();
      expect(sent.map((s) => [s.platform, s.chatId])).toEqual([["telegram", "100"]]);
    });

    it("the late outcome of a trade the user confirmed themselves is never held", async () => {
      const { sent, p } = await world("2026-01-10T23:00:00Z");
      await p.set({ quietHours: NIGHT });
      await p.notifications.push({ userId: "u1", chat: telegram }, filled("o-own", false));
      await p.dispatcher.runOnce();
      expect(sent).toHaveLength(1);
      expect(sent[0]!.text).toMatch(/^Trade filled: USDC -> SOL/);
    });

    it("a push with no user (an admin notice) is never held", async () => {
      const { sent, p } = await world("2026-01-10T23:00:00Z");
      await p.set({ quietHours: NIGHT });
      await p.repos.outbox.enqueue({ dedupeKey: "admin:1", kind: "admin.notice", target: telegram, reply: { kind: "info", blocks: [{ type: "text", spans: ["ops"] }] } }, at("2026-01-10T23:00:00Z"));
      await p.dispatcher.runOnce();
      expect(sent.map((s) => s.text)).toEqual(["ops"]);
    });
  });
}
