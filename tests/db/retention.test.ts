import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { DAY_MS, RetentionService, type RetentionBatch, type RetentionPolicy } from "../../core/services/retention.service.js";
import { RANGES } from "../../core/services/market.service.js";
import { repositories, type Db, type Repositories } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";
import { testMarket } from "../helpers/market.js";

const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;
const HOUR = 3_600_000;
const DEFAULTS: RetentionPolicy = { auditDays: 90, outboxDays: 7, llmUsageDays: 90, priceTicksDays: 90, snapshotDays: 365 };

/** Inserts rows in chunks (Postgres takes at most 65,535 parameters per statement). */
async function insertChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>, size = 500) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`retention job on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let d: Db;
    let r: Repositories;
    const clock = new FakeClock(Date.UTC(2026, 5, 1, 12, 17));
    const now = clock.now();
    const job = (owner = "test/retention", batches: RetentionBatch[] = []) =>
      new RetentionService({
        store: r.retention,
        leases: r.leases,
        clock,
        log: silentLogger,
        policy: DEFAULTS,
        owner,
        intervalMs: 60 * 60_000,
        budgetMs: Number.POSITIVE_INFINITY, // full batches, whatever the machine's load (sizing: tests/core/retention.test.ts)
        onBatch: (b) => batches.push(b),
      });
    const count = async (table: "audit_log" | "outbox" | "llm_usage" | "processed_updates" | "action_tokens" | "link_codes" | "price_ticks") =>
      Number((await d.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);

    beforeAll(async () => {
      t = target.make();
      d = await t.open();
      r = repositories(d, clock);
    });
    afterAll(async () => t?.cleanup());

    it("deletes what each table no longer keeps, never more than 1,000 rows a statement, and keeps the rest", async () => {
      const old = now - 91 * DAY_MS;
      const audit = Array.from({ length: 2500 }, (_, i) => ({ id: `old${i}`, at: old + i, user_id: "u", platform: "telegram" as const, action: "x", detail: null }));
      audit.push(...Array.from({ length: 10 }, (_, i) => ({ id: `new${i}`, at: now - DAY_MS, user_id: "u", platform: "telegram" as const, action: "x", detail: null })));
      await insertChunks(audit, (c) => d.db.insertInto("audit_log").values(c).execute());
      const box = (id: string, state: "pending" | "sent" | "dead" | "skipped", at: number) => ({
        id, dedupe_key: id, kind: "alert", platform: "telegram" as const, chat_id: "1", payload: "{}", created_at: at, source_at: null, available_at: at,
        attempts: 1, state, lease_owner: state === "pending" ? "someone" : null, lease_until: state === "pending" ? at + 20_000 : null,
        sent_at: state === "pending" ? null : at, last_error: null, parts_sent: 0, open_claims: 0,
      });
      const eightDays = now - 8 * DAY_MS;
      await d.db.insertInto("outbox").values([box("o1", "sent", eightDays), box("o2", "dead", eightDays), box("o3", "skipped", eightDays), box("o4", "pending", eightDays), box("o5", "sent", now - DAY_MS)]).execute();
      const usage = (id: string, at: number) => ({ id, at, day: "d", user_id: "u", provider: "p", model: "m", task: "intent" as const, prompt_tokens: 1, completion_tokens: 1, cost_usd: 0 });
      await d.db.insertInto("llm_usage").values([usage("l1", old), usage("l2", now - DAY_MS)]).execute();
      await d.db.insertInto("processed_updates").values([
        { platform: "telegram", update_id: "1", state: "done", claimed_at: now - 3 * DAY_MS, done_at: now - 3 * DAY_MS },
        { platform: "telegram", update_id: "2", state: "done", claimed_at: now - DAY_MS, done_at: now - DAY_MS },
      ]).execute();
      const button = (token: string, expiresAt: number) => ({ token, group_id: token, user_id: "u", command: "buy", action: "confirm", payload: "{}", expires_at: expiresAt, used_at: null });
      await d.db.insertInto("action_tokens").values([button("a1", now - 2 * DAY_MS), button("a2", now - HOUR), button("a3", now + HOUR)]).execute();
      const code = (code_hash: string, expires_at: number, used_at: number | null) => ({ code_hash, user_id: "u", created_at: expires_at - 600_000, expires_at, used_at, used_by: used_at ? "v" : null });
      await d.db.insertInto("link_codes").values([code("c1", now - 2 * DAY_MS, null), code("c2", now + 600_000, now - 2 * DAY_MS), code("c3", now + 600_000, null)]).execute();
      const link = (token_hash: string, expires_at: number, used_at: number | null) => ({ token_hash, user_id: "u", created_at: expires_at - 300_000, expires_at, used_at });
      await d.db.insertInto("web_login_links").values([link("w1", now - 2 * DAY_MS, null), link("w2", now + 300_000, now - 2 * DAY_MS), link("w3", now + 300_000, null)]).execute();
      const session = (id_hash: string, expires_at: number, revoked_at: number | null) => ({ id_hash, user_id: "u", created_at: now - 3 * DAY_MS, expires_at, last_seen_at: now - 3 * DAY_MS, revoked_at });
      await d.db.insertInto("web_sessions").values([session("s1", now - 2 * DAY_MS, null), session("s2", now + DAY_MS, now - 2 * DAY_MS), session("s3", now + DAY_MS, null), session("s4", now + DAY_MS, now - HOUR)]).execute();
      await d.db.insertInto("identity_changes").values([{ id: "i1", user_id: "u", at: now - 2 * DAY_MS }, { id: "i2", user_id: "u", at: now - HOUR }]).execute();

      const batches: RetentionBatch[] = [];
      const result = await job("test/retention", batches).runOnce();

      expect(result).toMatchObject({ kind: "done", stopped: false });
      expect(Math.max(...batches.map((b) => b.rows))).toBeLessThanOrEqual(1000);
      expect(batches.filter((b) => b.table === "audit_log").map((b) => b.rows)).toEqual([1000, 1000, 500]);
      expect(await count("audit_log")).toBe(10);
      expect((await d.db.selectFrom("outbox").select("id").orderBy("id").execute()).map((x) => x.id)).toEqual(["o4", "o5"]);
      expect((await d.db.selectFrom("llm_usage").select("id").execute()).map((x) => x.id)).toEqual(["l2"]);
      expect((await d.db.selectFrom("processed_updates").select("update_id").execute()).map((x) => x.update_id)).toEqual(["2"]);
      expect((await d.db.selectFrom("action_tokens").select("token").orderBy("token").execute()).map((x) => x.token)).toEqual(["a2", "a3"]);
      expect((await d.db.selectFrom("link_codes").select("code_hash").execute()).map((x) => x.code_hash)).toEqual(["c3"]);
      // Sign-in links once expired or used, sessions once expired or revoked, each after the grace period.
      expect((await d.db.selectFrom("web_login_links").select("token_hash").execute()).map((x) => x.token_hash)).toEqual(["w3"]);
      expect((await d.db.selectFrom("web_sessions").select("id_hash").orderBy("id_hash").execute()).map((x) => x.id_hash)).toEqual(["s3", "s4"]);
      // Identity changes are read within a minute of being written: kept a day.
      expect((await d.db.selectFrom("identity_changes").select("id").execute()).map((x) => x.id)).toEqual(["i2"]);
      // A second run finds nothing more.
      expect(await job("test/retention").runOnce()).toEqual({ kind: "done", deleted: {}, stopped: false });
    });

    it("one process runs the job at a time (lease), and hands it over when it stops", async () => {
      expect(await job("test/other").runOnce()).toEqual({ kind: "busy" }); // test/retention ran last and holds it
      await job("test/retention").stop();
      const one = job("test/one");
      const [a, b] = await Promise.all([one.runOnce(), job("test/two").runOnce()]);
      expect([a.kind, b.kind].sort()).toEqual(["busy", "done"]);
      await one.stop();
      await job("test/two").stop();
    });

    it("thins old price ticks and portfolio snapshots, and the charts drawn from them do not change", async () => {
      // A tick every 5 minutes for 100 days; an hourly snapshot for 400 days.
      const ticks = Array.from({ length: (100 * DAY_MS) / 300_000 }, (_, i) => ({ mint: SOL.mint, at: now - i * 300_000, usd: 100 + Math.sin(i / 7) * 10 + i / 1000, source: "jupiter" }));
      await insertChunks(ticks, (c) => d.db.insertInto("price_ticks").values(c).execute(), 1000);
      const snaps = Array.from({ length: 400 * 24 }, (_, i) => ({ user_id: "u1", book: "paper", at: now - i * HOUR, value_usd: 1000 + i }));
      await insertChunks(snaps, (c) => d.db.insertInto("portfolio_snapshots").values(c).execute(), 1000);
      const market = testMarket([], clock, { ticks: r.ticks });
      const charts = async () => Promise.all((["1d", "7d", "30d", "90d"] as const).map((range) => market.history(SOL, range)));
      const before = await charts();
      const pnlBefore = await r.books.snapshots("u1", "paper", now - 365 * DAY_MS);

      const batches: RetentionBatch[] = [];
      await job("test/retention", batches).runOnce();

      expect(batches.some((b) => b.kind === "thin" && b.rows === 1000)).toBe(true);
      expect(Math.max(...batches.map((b) => b.rows))).toBeLessThanOrEqual(1000);
      // Every chart draws the same points: each bucket's close is the tick thinning keeps.
      const after = await charts();
      for (const [i, range] of (["1d", "7d", "30d", "90d"] as const).entries()) {
        expect(after[i]!.points.length, range).toBeGreaterThan(RANGES[range].ms / RANGES[range].stepMs - 2);
        expect(after[i], range).toEqual(before[i]);
      }
      const left = (await d.db.selectFrom("price_ticks").select("at").orderBy("at").execute()).map((x) => Number(x.at));
      expect(left[0]).toBeGreaterThanOrEqual(now - 90 * DAY_MS);
      const inWindow = (from: number, to: number) => left.filter((at) => at >= from && at < to).length;
      expect(inWindow(now - 90 * DAY_MS, now - 31 * DAY_MS)).toBeLessThanOrEqual(60); // one a day
      expect(inWindow(now - 29 * DAY_MS, now - 2 * DAY_MS)).toBeLessThanOrEqual(27 * 24 + 1); // one an hour
      expect(inWindow(now - DAY_MS + 1, now + 1)).toBe(288); // the last day untouched
      expect(ticks.length - left.length).toBeGreaterThan(20_000);

      // /pnl still draws a year: daily points beyond 30 days, hourly after, the newest value unchanged.
      const pnl = await r.books.snapshots("u1", "paper", now - 365 * DAY_MS);
      expect(pnl.length).toBeLessThan(pnlBefore.length / 5);
      expect(pnl[0]!.at).toBeLessThan(now - 360 * DAY_MS);
      expect(pnl.at(-1)).toEqual(pnlBefore.at(-1));
      const oldDays = pnl.filter((p) => p.at < now - 31 * DAY_MS);
      expect(new Set(oldDays.map((p) => Math.floor(p.at / DAY_MS))).size).toBe(oldDays.length);
      expect(await d.db.selectFrom("portfolio_snapshots").select("at").where("at", "<", now - 365 * DAY_MS).execute()).toEqual([]);
    }, 60_000);
  });
}
