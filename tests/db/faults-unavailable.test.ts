import { Writable } from "node:stream";
import SQLite from "better-sqlite3";
import pino from "pino";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { UnavailableError } from "../../core/errors.js";
import { unavailableReason } from "../../db/unavailable.js";
import { createDatabase, migrate, repositories, type Db } from "../../db/index.js";
import { startTcpProxy, type TcpProxy } from "../fakes/tcp-proxy.js";
import { makeTestApp } from "../helpers/app.js";
import { FakeClock } from "../helpers/clock.js";
import { tempSqliteUrl } from "../helpers/databases.js";
import { StaticPrices } from "../helpers/trading-world.js";
import { ownPostgresDatabase, until } from "../helpers/faults.js";

/*
 * The database layer turns "the database cannot be reached right now" into one typed failure,
 * UnavailableError, on real SQLite (another writer's lock, a full disk) and real Postgres (a dropped
 * connection, an unreachable server), and the router answers it with "temporarily unavailable".
 */

const pgUrl = process.env.TEST_DATABASE_URL;
const noPg = pgUrl ? false : "TEST_DATABASE_URL is not set (CI sets it to the local Postgres)";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sqliteFile(): Promise<{ d: Db; file: string }> {
  const url = await tempSqliteUrl();
  const d = createDatabase(url);
  cleanups.push(() => d.close());
  await migrate(d.db);
  return { d, file: url.slice("sqlite:".length) };
}

function lockForWriting(file: string) {
  const other = new SQLite(file);
  other.exec("BEGIN EXCLUSIVE");
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    other.exec("COMMIT");
    other.close();
  };
  cleanups.push(release);
  return release;
}

/** Another user's finished alert: filler rows for the alerts table. */
const alertRow = {
  user_id: "filler",
  kind: "above",
  mint: null,
  symbol: "SOL",
  level: 1,
  pct: 0,
  window_ms: 0,
  repeat: 0,
  cooldown_ms: 0,
  hysteresis_pct: 0,
  expires_at: null,
  state: "done",
  fire_count: 1,
  last_fired_at: null,
  ref_value: 1,
  created_at: 0,
  updated_at: 0,
  notify_platform: "telegram",
  notify_chat: "1",
} as const;

const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

describe("SQLite: another writer's lock", () => {
  it("a write waits for the lock without freezing the process, and goes through once the lock is released", async () => {
    const { d, file } = await sqliteFile();
    const release = lockForWriting(file);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    cleanups.push(() => clearInterval(timer));
    const claim = repositories(d).updates.claim("telegram", "u1", Date.now(), 60_000);
    await until(() => ticks >= 10, "timers to run while the write waits for the lock", 4000);
    release();
    expect(await claim).toBe("claimed");
  });

  it("a lock held past the wait fails as UnavailableError(SQLITE_BUSY); the next statement fails at once; after release all is well", async () => {
    const { d, file } = await sqliteFile();
    const updates = repositories(d).updates;
    const release = lockForWriting(file);
    const first = await failure(updates.claim("telegram", "u1", Date.now(), 60_000));
    expect(first).toBeInstanceOf(UnavailableError);
    expect(first).toMatchObject({ service: "database", reason: "SQLITE_BUSY", retryable: true });
    const t0 = Date.now();
    expect(await failure(updates.claim("telegram", "u2", Date.now(), 60_000))).toBeInstanceOf(UnavailableError);
    expect(Date.now() - t0, "no second full wait while the lock is known to be held").toBeLessThan(2500);
    release();
    expect(await updates.claim("telegram", "u3", Date.now(), 60_000)).toBe("claimed");
  }, 20_000);
});

describe("SQLite: a full disk", () => {
  it("a write that needs space fails as UnavailableError(SQLITE_FULL), and a message gets 'temporarily unavailable, nothing was done'", async () => {
    const { d } = await sqliteFile();
    const app = await makeTestApp({ db: d });
    cleanups.push(() => app.close());
    expect((await app.say("/start", { id: "7" })).text).toMatch(/Welcome to Purser/);
    // The file may not grow past its current size: what a full disk looks like to SQLite.
    const pages = Number((await sql<{ page_count: number }>`PRAGMA page_count`.execute(d.db)).rows[0]!.page_count);
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(d.db);
    // Fill the table the first write of every message goes to (the dedupe claim) up to the limit.
    const fill = (i: number) =>
      d.db.insertInto("processed_updates").values({ platform: "telegram", update_id: `fill-${String(i).padStart(6, "0")}`, state: "done", claimed_at: 0, done_at: 0 }).execute();
    let full: unknown;
    for (let i = 0; i < 100_000 && !full; i++) full = await failure(fill(i));
    expect(full).toMatchObject({ name: "UnavailableError", reason: "SQLITE_FULL" });
    const r = await app.say("/whoami", { id: "7", updateId: "next-after-the-fill" });
    expect(r.outcome).toBe("error");
    expect(r.text).toMatch(/temporarily unavailable.*Nothing was done/is);
  }, 30_000);
});

describe("SQLite: the disk fills while a command runs", () => {
  it("the reply says the command may not have finished, not that nothing was done", async () => {
    const { d } = await sqliteFile();
    const clock = new FakeClock(Date.now());
    const app = await makeTestApp({ db: d, clock, market: { live: [new StaticPrices(clock)], replay: null } });
    cleanups.push(() => app.close());
    expect((await app.say("/start", { id: "8" })).text).toMatch(/Welcome to Purser/);
    const pages = Number((await sql<{ page_count: number }>`PRAGMA page_count`.execute(d.db)).rows[0]!.page_count);
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(d.db);
    // Only the alerts table is full: the claim and the identity lookup still fit, creating the alert does not.
    const fill = (i: number) =>
      d.db
        .insertInto("alerts")
        .values({ ...alertRow, id: `fill-${String(i).padStart(6, "0")}` })
        .execute();
    let full: unknown;
    for (let i = 0; i < 100_000 && !full; i++) full = await failure(fill(i));
    expect(full).toMatchObject({ reason: "SQLITE_FULL" });
    const r = await app.say("/alert SOL above 200", { id: "8", updateId: "alert-after-the-fill" });
    expect(r.outcome).toBe("error");
    expect(r.text).toMatch(/temporarily unavailable.*\/alert may not have finished/is);
    expect(r.text).not.toMatch(/Nothing was done/i);
  }, 30_000);
});

describe.skipIf(noPg)(`Postgres: connections dropped, server unreachable${noPg ? ` (skipped: ${noPg})` : ""}`, () => {
  async function ownDb(): Promise<{ d: Db; proxy: TcpProxy; terminateAll: () => Promise<number[]> }> {
    const own = await ownPostgresDatabase(pgUrl!);
    cleanups.push(() => own.drop());
    const proxy = await startTcpProxy({ host: own.host, port: own.port });
    cleanups.push(() => proxy.close());
    const d = createDatabase(own.urlVia(proxy.port), { poolMax: 2 });
    cleanups.push(() => d.close());
    await migrate(d.db);
    return { d, proxy, terminateAll: own.terminateAll };
  }

  it("a connection the server ends while a query runs on it is reported once, with its server pid (the pool discards it without an 'error' event)", async () => {
    const own = await ownPostgresDatabase(pgUrl!);
    cleanups.push(() => own.drop());
    const lines: Array<{ msg?: string; pid?: number; reason?: string }> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const d = createDatabase(own.urlVia(own.port), { poolMax: 2, log: pino({ level: "warn" }, sink) });
    cleanups.push(() => d.close());
    if (d.raw?.kind !== "postgres") throw new Error("expected the Postgres handle");
    const pool = d.raw.pool;
    // The hot path's way: pool.query checks a client out, runs, releases it (with the error, if any).
    const running = failure(pool.query("select pg_sleep(30)"));
    let sleeping: number[] = [];
    await until(async () => (sleeping = await own.activePids()).length > 0, "the query to be running on the server", 10_000);
    const dropped = await own.terminateAll();
    expect(dropped).toEqual(expect.arrayContaining(sleeping));
    expect(unavailableReason(await running)).toBe("57P01");
    const lost = () => lines.filter((l) => l.msg?.startsWith("database connection lost"));
    await until(() => lost().length > 0, "the lost connection to be reported", 10_000);
    expect(lost().map((l) => l.pid)).toEqual(sleeping);
    expect((await pool.query("select 1 as one")).rows[0]).toEqual({ one: 1 }); // a new connection
    expect(lost()).toHaveLength(1);
  }, 30_000);

  it("a transaction whose connection is dropped between two statements fails as UnavailableError, and the process carries on", async () => {
    const { d, terminateAll } = await ownDb();
    let dropped: number[] = [];
    const tx = failure(
      d.db.transaction().execute(async (trx) => {
        await trx.insertInto("kv").values({ key: "a", value: "1", updated_at: 0 }).execute();
        dropped = await terminateAll(); // the server goes away while this transaction holds its connection
        await until(async () => (await failure(sql`select 1`.execute(trx))) !== undefined, "the dropped connection to be noticed", 10_000);
        await trx.insertInto("kv").values({ key: "b", value: "2", updated_at: 0 }).execute();
      }),
    );
    expect(await tx).toBeInstanceOf(UnavailableError);
    expect(dropped.length).toBeGreaterThan(0);
    // Nothing of the transaction was kept, and the pool reconnects by itself.
    expect(await d.db.selectFrom("kv").select("key").where("key", "in", ["a", "b"]).execute()).toEqual([]);
  }, 30_000);

  it("while the server is unreachable every query fails as UnavailableError; when it is back queries work again", async () => {
    const { d, proxy } = await ownDb();
    const updates = repositories(d).updates;
    expect(await updates.claim("telegram", "p1", Date.now(), 60_000)).toBe("claimed");
    proxy.cut();
    const err = await failure(updates.claim("telegram", "p2", Date.now(), 60_000));
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).reason).toMatch(/^(ECONNRESET|ECONNREFUSED|connection lost|57P01)$/);
    proxy.restore();
    expect(await updates.claim("telegram", "p2", Date.now(), 60_000)).toBe("claimed");
  }, 30_000);
});
