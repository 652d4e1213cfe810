import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegram } from "../../bots/telegram.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { Db } from "../../db/index.js";
import { startTelegramFake, type TelegramFake } from "../fakes/telegram-bot-api.js";
import { makeTestApp, type TestApp } from "../helpers/app.js";
import { WallClock } from "../helpers/clock.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";
import { StaticPrices } from "../helpers/trading-world.js";

const pg = process.env.TEST_DATABASE_URL;
const redis = process.env.TEST_REDIS_URL;
const skip = !pg || !redis ? "needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both)" : false;
const SECRET = "scale-out-webhook-secret-123";
const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;

describe.skipIf(skip)(`two Purser processes on one Postgres and Redis${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tg: TelegramFake;
  let pgdb: TestDb;
  const apps: TestApp[] = [];
  const urls: string[] = [];
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    tg = await startTelegramFake(); // Telegram's limits: 30/s overall, 1/s per chat, real 429s
    pgdb = testDatabases()[1]!.make();
    // The wall clock: a back-off or lease must really run out here, as it would in production.
    const clock = new WallClock();
    // A key space of this run's own: nothing left in Redis by another run, or a run beside it, is shared.
    const prefix = `test-${randomBytes(4).toString("hex")}:`;
    for (let i = 0; i < 2; i++) {
      const db: Db = await pgdb.open();
      const app = await makeTestApp({
        db,
        clock,
        env: {
          REDIS_URL: redis!,
          REDIS_PREFIX: prefix,
          TELEGRAM_BOT_TOKEN: tg.token,
          TELEGRAM_API_ROOT: tg.apiRoot,
          TELEGRAM_WEBHOOK_URL: "https://purser.example/telegram",
          TELEGRAM_WEBHOOK_SECRET: SECRET,
          // headroom for a loaded CI machine: two processes in one event loop bunch their sends
          TELEGRAM_GLOBAL_PER_S: "24",
          USER_RATE_LIMIT_PER_MIN: "1000",
          MAX_ALERTS_PER_USER: "5",
          PRICE_CACHE_TTL_MS: "60000",
        },
        market: { live: [new StaticPrices(clock)], replay: null },
      });
      apps.push(app);
      const telegram = createTelegram(app, { botInfo: tg.botInfo });
      await telegram.start();
      app.services.notifications.register(telegram.notifier());
      const handler = telegram.webhookHandler();
      const server = http.createServer((req, res) => void handler(req, res));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram`);
      stops.push(() => new Promise((r) => server.close(r)), () => telegram.stop());
    }
  }, 60_000);

  afterAll(async () => {
    for (const s of stops.reverse()) await s();
    for (const a of apps) await a.close();
    await tg?.close();
    await pgdb?.cleanup();
  });

  const waitSent = async (n: number, ms: number) => {
    const t0 = Date.now();
    while (tg.sent.length < n && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500)); // anything extra would show up now
  };

  it("500 updates, each delivered to both (a load balancer retry), produce exactly 500 replies within Telegram's limits", async () => {
    const updates = Array.from({ length: 500 }, (_, i) => tg.message({ chatId: 70_000 + i, fromId: 70_000 + i, text: "/start" }));
    for (let i = 0; i < updates.length; i += 50) {
      await Promise.all(updates.slice(i, i + 50).flatMap((u) => urls.map((url) => tg.deliverWebhook(url, u, SECRET))));
    }
    await waitSent(500, 60_000);
    expect(tg.sent).toHaveLength(500);
    expect(new Set(tg.sent.map((m) => String(m.chat_id))).size).toBe(500);
    expect(tg.maxSendsInWindow(1000)).toBeLessThanOrEqual(30);
    expect(tg.tooManyRequests).toHaveLength(0);
  }, 90_000);

  it("1,000 alerts firing on one tick (seen by both engines) produce exactly 1,000 messages, never more than 30/s", async () => {
    const [a, b] = apps as [TestApp, TestApp];
    tg.reset();
    for (let i = 0; i < 1000; i++) {
      const r = await a.say("/alert SOL above 200", { id: String(80_000 + i) });
      if (!r.text.startsWith("Alert ")) throw new Error(r.text);
    }
    await b.services.alerts.start();
    await a.services.alerts.start();
    await b.services.alerts.sync();
    await (a.market.bus as unknown as { ready(): Promise<unknown> }).ready();
    await (b.market.bus as unknown as { ready(): Promise<unknown> }).ready();
    await a.market.bus.publish([{ mint: SOL.mint, symbol: "SOL", usd: 250, source: "static", at: a.clock.now() }]);
    const outboxStates = async () =>
      Object.fromEntries(
        (
          await a.db.db
            .selectFrom("outbox")
            .select(["state", (eb) => eb.fn.countAll<number>().as("n"), (eb) => eb.fn.max("last_error").as("error")])
            .where("kind", "=", "alert")
            .groupBy("state")
            .execute()
        ).map((r) => [r.state, r.error ? `${Number(r.n)} (${r.error})` : Number(r.n)]),
      );
    const t0 = Date.now();
    let fired = 0;
    while (Date.now() - t0 < 30_000) {
      await Promise.all([a.services.alerts.idle(), b.services.alerts.idle()]);
      const n = await a.db.db.selectFrom("outbox").select((eb) => eb.fn.countAll<number>().as("n")).where("kind", "=", "alert").executeTakeFirstOrThrow();
      fired = Number(n.n);
      if (fired >= 1000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Each stage is checked on its own, so a failure says where it stopped.
    expect({ fired, rejectedTicks: [a.services.alerts.rejectedTicks, b.services.alerts.rejectedTicks] }).toEqual({ fired: 1000, rejectedTicks: [0, 0] });
    a.services.outbox.start();
    b.services.outbox.start();
    await waitSent(1000, 100_000);
    await Promise.all([a.services.outbox.stop(), b.services.outbox.stop()]);
    expect({ sent: tg.sent.length, outbox: await outboxStates() }).toEqual({ sent: 1000, outbox: { sent: 1000 } });
    expect(new Set(tg.sent.map((m) => String(m.chat_id))).size).toBe(1000);
    expect(tg.maxSendsInWindow(1000)).toBeLessThanOrEqual(30);
    expect(tg.tooManyRequests).toHaveLength(0);
  }, 180_000);

  it("a singleton's lease passes to the other process once the leader stops renewing", async () => {
    const [a, b] = apps as [TestApp, TestApp];
    const name = `singleton-${Date.now()}`;
    expect(await a.leases.acquire(name, "process-a", 1500)).toBe(true);
    expect(await b.leases.acquire(name, "process-b", 1500)).toBe(false);
    // process a dies: no release, no renewal
    const t0 = Date.now();
    while (!(await b.leases.acquire(name, "process-b", 1500))) await new Promise((r) => setTimeout(r, 100));
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});
