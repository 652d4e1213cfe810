import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import { createDatabase, repositories, type Db } from "../../db/index.js";
import { MINT, startJupiterFake, type JupiterFake } from "../fakes/jupiter-api.js";
import { startTelegramFake, type TelegramFake } from "../fakes/telegram-bot-api.js";
import { startXFake, type XFake } from "../fakes/x-api.js";
import { levelAlert } from "../helpers/alerts.js";
import { until } from "../helpers/faults.js";
import { freePort } from "../helpers/net.js";
import { startPurserProcess } from "../helpers/process.js";
import { TREASURY_YAML } from "../helpers/treasury-yaml.js";

/*
 * Two real Purser OS processes (`tsx bots/main.ts`, as `npm start` runs it) on one Postgres database
 * and one Redis, behind one fake Telegram (enforcing 30/s overall and 1/s per chat with real 429s),
 * one fake Jupiter price API and one fake X API. Each process runs every role: webhook intake, the
 * alert engine, the outbox dispatcher and the leased singletons (price poller, X poller, treasury loop).
 */

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const skip = !pgUrl || !redisUrl ? "needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both)" : false;
const SECRET = "scale-out-webhook-secret-123";
const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;
const ADMIN_CHAT = 999;
const LEASE_TTL_S = 3;

interface Proc {
  port: number;
  pid: number;
  child: ReturnType<typeof startPurserProcess>["child"];
  exited: Promise<number | null>;
  stderr: () => string;
}

describe.skipIf(skip)(`two Purser processes on one Postgres and Redis${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tg: TelegramFake;
  let jup: JupiterFake;
  let x: XFake;
  let db: Db;
  let redis: Redis;
  let dbName = "";
  const prefix = `test-${randomBytes(4).toString("hex")}:`; // this run's own Redis key space
  const dir = mkdtempSync(join(tmpdir(), "purser-scale-"));
  const procs: Proc[] = [];

  const dbUrl = () => {
    const u = new URL(pgUrl!);
    u.pathname = `/${dbName}`;
    return u.toString();
  };

  async function waitUp(p: Proc) {
    // Ready means /readyz answers 200; a loaded CI machine can take a long while to start two processes at once.
    await until(
      async () => {
        if (p.child.exitCode !== null) throw new Error(`purser exited early:\n${p.stderr()}`);
        try {
          return (await fetch(`http://127.0.0.1:${p.port}/readyz`)).status === 200;
        } catch {
          return false; // not listening yet
        }
      },
      `purser on ${p.port} ready`,
      120_000,
      p.stderr,
    );
  }

  async function start(): Promise<Proc> {
    const port = await freePort();
    const r = startPurserProcess(dir, port, {
      DATABASE_URL: dbUrl(),
      REDIS_URL: redisUrl!,
      REDIS_PREFIX: prefix,
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_URL: "https://purser.example/tg",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      // Slots booked on one shared clock at 20/s for both processes together. Two processes that did
      // not share the clock would send 40/s and break the fake's 30/s at once; the headroom (10 a
      // second) is for sends that go out late and bunch up when a process - or the fake, which shares
      // this test's process - is starved of CPU for up to about half a second on a loaded machine.
      TELEGRAM_GLOBAL_PER_S: "20",
      USER_RATE_LIMIT_PER_MIN: "1000",
      ADMIN_IDS: `telegram:${ADMIN_CHAT}`,
      MARKET_SOURCE: "live",
      PRICE_SOURCES: "jupiter",
      JUPITER_API_ROOT: jup.url,
      PRICE_POLL_MS: "500",
      TWITTER_API_ROOT: x.url,
      TWITTER_APP_KEY: "app-key",
      TWITTER_APP_SECRET: "app-secret",
      TWITTER_ACCESS_TOKEN: "bot-access-token",
      TWITTER_ACCESS_SECRET: "bot-access-secret",
      TWITTER_POLL_S: "5",
      LEASE_TTL_S: String(LEASE_TTL_S),
      TREASURY_CONFIG: join(dir, "treasury.yaml"),
    });
    const p: Proc = { port, pid: r.child.pid!, child: r.child, exited: r.exited, stderr: r.stderr };
    procs.push(p);
    return p;
  }

  const LEASES = ["price-poller", "twitter:mentions-poller", "treasury-loop"] as const;

  /** Lease name -> the pid of the process holding it (owners are host:pid:random/<job>). */
  async function leaders(): Promise<Record<string, number | undefined>> {
    const out: Record<string, number | undefined> = {};
    for (const name of LEASES) out[name] = (await lease(name)).pid;
    return out;
  }

  /** One lease as Redis sees it, read atomically with Redis' own clock: holder pid, ms left, and Redis' now. */
  async function lease(name: string): Promise<{ pid: number | undefined; pttl: number; now: number }> {
    const key = `${prefix}lease:${name}`;
    const r = (await redis.multi().time().get(key).pttl(key).exec()) ?? [];
    const [sec, usec] = r[0]?.[1] as [string, string];
    const owner = r[1]?.[1] as string | null;
    return { pid: owner ? Number(owner.split(":")[1]) : undefined, pttl: Number(r[2]?.[1]), now: Number(sec) * 1000 + Math.floor(Number(usec) / 1000) };
  }

  async function metric(p: Proc, name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(" ")[1]) : NaN;
  }

  beforeAll(async () => {
    tg = await startTelegramFake(); // Telegram's limits: 30/s overall, 1/s per chat, real 429s
    jup = await startJupiterFake();
    jup.setUsdPrice(MINT.USDC, 1);
    x = await startXFake();
    redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    dbName = `purser_scale_${randomBytes(4).toString("hex")}`;
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`CREATE DATABASE ${dbName}`);
    await c.end();
    writeFileSync(
      join(dir, "treasury.yaml"),
      TREASURY_YAML,
    );
    // Both start at once, as a rollout would: the migrator's lock lets one migrate, the other waits.
    const [a, b] = [await start(), await start()];
    await Promise.all([waitUp(a), waitUp(b)]);
    db = createDatabase(dbUrl());
  }, 150_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
    await db?.close();
    await redis?.quit();
    await Promise.all([tg?.close(), jup?.close(), x?.close()]);
    if (dbName) {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const inRange = (lo: number, n: number) => (m: { chat_id: unknown }) => Number(m.chat_id) >= lo && Number(m.chat_id) < lo + n;
  const count = async (table: "processed_updates" | "outbox", state: string, where: [string, string]) => {
    const rows = await db.db
      .selectFrom(table)
      .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
      .where(where[0] as never, "=", where[1] as never)
      .groupBy("state")
      .execute();
    const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    return { done: by[state] ?? 0, total: Object.values(by).reduce((a, b) => a + b, 0) };
  };

  it("500 updates, each delivered to both (a load balancer retry), produce exactly 500 replies within Telegram's limits", async () => {
    const [a, b] = procs as [Proc, Proc];
    const urls = [a, b].map((p) => `http://127.0.0.1:${p.port}/tg`);
    const updates = Array.from({ length: 500 }, (_, i) => tg.message({ chatId: 70_000 + i, fromId: 70_000 + i, text: "/start" }));
    // Ten at a time (twenty requests): each webhook is answered once its reply is out, so ten keep
    // the 20/s pipeline full, and this process - which is also the fake Telegram timing every
    // send - is not tied up opening a hundred connections at once.
    for (let i = 0; i < updates.length; i += 10) {
      const statuses = await Promise.all(updates.slice(i, i + 10).flatMap((u) => urls.map((url) => tg.deliverWebhook(url, u, SECRET))));
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    const replies = inRange(70_000, 500);
    // No pause for "anything extra": the router marks an update done only after its reply was sent,
    // and a done update is a duplicate to every process. Once all 500 are done (and every delivery was
    // answered above), no reply to them can still be on its way.
    await until(
      async () => tg.sent.filter(replies).length >= 500 && (await count("processed_updates", "done", ["platform", "telegram"])).done === 500,
      "500 replies sent and all 500 updates done",
      120_000,
      () => `${tg.sent.filter(replies).length} sent`,
    );
    expect(await count("processed_updates", "done", ["platform", "telegram"])).toEqual({ done: 500, total: 500 });
    expect(tg.sent.filter(replies)).toHaveLength(500);
    expect(new Set(tg.sent.filter(replies).map((m) => String(m.chat_id))).size).toBe(500);
    expect(tg.sent.every((m) => replies(m) || Number(m.chat_id) === ADMIN_CHAT)).toBe(true); // nothing anywhere else
    expect(tg.maxSendsInWindow(1000)).toBeLessThanOrEqual(30);
    const toAdmin = tg.calls.filter((c) => Number(c.params.chat_id) === ADMIN_CHAT).map((c) => [c.method, c.time, c.status, String(c.params.text ?? c.params.caption ?? "").slice(0, 60)]);
    expect(tg.tooManyRequests, JSON.stringify({ hits: tg.tooManyRequests, toAdmin })).toHaveLength(0);
  }, 180_000);

  it("1,000 alerts firing on one price tick (heard by both engines) produce exactly 1,000 messages, never more than 30/s", async () => {
    const [a, b] = procs as [Proc, Proc];
    tg.reset();
    // 1,000 users, each with one alert, written as earlier /alert commands would have left them.
    const repos = repositories(db);
    for (let i = 0; i < 1000; i++) {
      const now = Date.now(); // stamped when written, as /alert does (engines sync on updated_at)
      const u = await repos.users.createWithIdentity({ platform: "telegram", platformUserId: String(80_000 + i), displayName: `u${i}`, now });
      await repos.alerts.create(
        levelAlert({ id: `s${i.toString(36).padStart(5, "0")}`, userId: u.user.id, kind: "above", mint: SOL.mint, symbol: "SOL", level: 200, refValue: 147.48, notify: { platform: "telegram", chatId: String(80_000 + i) }, at: now }),
      );
    }
    // Both engines pick them up from the database (their sync runs every 2 s).
    await until(async () => (await metric(a, "purser_alerts_active")) >= 1000 && (await metric(b, "purser_alerts_active")) >= 1000, "both engines to load 1,000 alerts", 60_000);
    expect([await metric(a, "purser_alerts_active"), await metric(b, "purser_alerts_active")]).toEqual([1000, 1000]);

    jup.setUsdPrice(SOL.mint, 250); // the leader's price poller sees it and publishes one tick to both
    const alertsTo = inRange(80_000, 1000);
    // Firing writes the alert's state and its outbox row in one transaction (deduplicated by key), and
    // a row is marked sent only after Telegram took it: once all 1,000 rows are sent, nothing more is due.
    await until(
      async () => tg.sent.filter(alertsTo).length >= 1000 && (await count("outbox", "sent", ["kind", "alert"])).done >= 1000,
      "1,000 alert messages sent and marked sent",
      150_000,
      () => `${tg.sent.filter(alertsTo).length} sent`,
    );
    const outbox = await db.db
      .selectFrom("outbox")
      .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
      .where("kind", "=", "alert")
      .groupBy("state")
      .execute();
    expect({ sent: tg.sent.filter(alertsTo).length, outbox: Object.fromEntries(outbox.map((r) => [r.state, Number(r.n)])) }).toEqual({
      sent: 1000,
      outbox: { sent: 1000 },
    });
    expect(new Set(tg.sent.filter(alertsTo).map((m) => String(m.chat_id))).size).toBe(1000);
    expect(tg.sent.filter(alertsTo).every((m) => /SOL/.test(String(m.text)))).toBe(true);
    expect(tg.maxSendsInWindow(1000)).toBeLessThanOrEqual(30);
    expect(tg.tooManyRequests).toHaveLength(0);
  }, 240_000);

  it("killing the leader hands the price poller, X poller and treasury loop to the other within the lease time", async () => {
    const [a, b] = procs as [Proc, Proc];
    let held = await leaders();
    await until(async () => Object.values((held = await leaders())).every((v) => v !== undefined), "all three leases held", 30_000);
    const pids = new Set([a.pid, b.pid]);
    expect(Object.values(held).every((pid) => pid !== undefined && pids.has(pid)), JSON.stringify({ held, pids: [...pids] })).toBe(true);
    // Kill (SIGKILL: no release, no goodbye) the process holding the treasury loop.
    const victim = held["treasury-loop"] === a.pid ? a : b;
    const survivor = victim === a ? b : a;
    victim.child.kill("SIGKILL");
    await victim.exited;
    // Each lease the victim held runs out its TTL after its last renewal; the survivor asks every
    // third of it (the price poller: every poll). The X poller and treasury loop use LEASE_TTL_S, the
    // price poller max(3 polls, 5 s). All times below are Redis' own clock, read with the lease, so
    // the test's own scheduling delay (how late it looks) does not count.
    const ttl: Record<string, number> = { "twitter:mentions-poller": LEASE_TTL_S * 1000, "treasury-loop": LEASE_TTL_S * 1000, "price-poller": 5000 };
    const ask: Record<string, number> = { "twitter:mentions-poller": LEASE_TTL_S * 333, "treasury-loop": LEASE_TTL_S * 333, "price-poller": 500 };
    const expiry: Record<string, number> = {};
    for (const name of LEASES) {
      const l = await lease(name);
      if (l.pid !== victim.pid) continue; // the survivor held it already
      expect(l.pttl, `${name}: the dead holder's lease lasts at most its TTL`).toBeLessThanOrEqual(ttl[name]!);
      expiry[name] = l.now + l.pttl;
    }
    expect(Object.keys(expiry)).toContain("treasury-loop");
    const handed: Record<string, number> = {};
    await until(
      async () => {
        for (const name of LEASES) {
          if (handed[name] !== undefined) continue;
          const l = await lease(name);
          // Seen held by the survivor, on Redis' clock: an upper bound on when it took the lease.
          if (l.pid === survivor.pid) handed[name] = l.now - (expiry[name] ?? l.now);
        }
        return Object.keys(handed).length === LEASES.length;
      },
      "all three leases held by the survivor",
      60_000,
      () => JSON.stringify(handed),
    );
    console.info(`singleton leases seen held by the survivor, ms after the dead holder's lease ran out: ${JSON.stringify(handed)}`);
    for (const name of LEASES) {
      // Expected: within one asking period of the expiry. Slack: 3 s for a survivor (or this test,
      // looking every 50 ms) starved of CPU on a loaded machine; a survivor that waited for anything
      // else (another TTL, a restart) is far later.
      expect(handed[name]!, `${name} taken over within one asking period of the old lease running out`).toBeLessThan(ask[name]! + 3000);
    }

    // And the survivor really does the work: a new mention on X gets its reply.
    const t = x.mention({ username: "alice", name: "Alice" }, "@PurserBot help");
    const reply = await x.waitFor((p) => p.inReplyTo === t.id, 60_000);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(x.repliesTo(t.id)).toHaveLength(1);
  }, 180_000);
});
