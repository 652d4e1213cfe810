import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import pg from "pg";
import pino from "pino";
import { renderConsole } from "../../adapters/console/render.js";
import { createLogger } from "../../adapters/logging/logger.js";
import { buildApp, type App } from "../../bots/app.js";
import { loadConfig } from "../../bots/config.js";
import { IDENTITY_CACHE_MAX } from "../../core/services/identity.service.js";
import type { InboundMessage } from "../../core/router/message.js";
import { createDatabase, migrate } from "../../db/index.js";
import { startJupiterFake } from "../fakes/jupiter-api.js";
import { OFFLINE_ENV } from "../helpers/app.js";
import { measureAlternating, measureTurns as measure, row, type BenchRow, type Measured } from "./harness.js";

/**
 * The real logger, as bots/main.ts builds it (createLogger: redaction, scrubbing), at the default
 * level, writing JSON lines to a file in `dir` asynchronously: what a deployment pays per message.
 */
export async function fileLogger(dir: string, name: string) {
  const dest = pino.destination({ dest: join(dir, name), sync: false });
  await once(dest, "ready");
  const log = createLogger({ level: loadConfig({ ...OFFLINE_ENV }).LOG_LEVEL, destination: dest });
  /** Everything written reaches the file (after the app closed). */
  const close = async () => {
    dest.end();
    await once(dest, "close");
  };
  return { log, dest, close };
}

let seq = 0;
export const msg = (user: number, text: string): InboundMessage => {
  const u = String(user);
  return {
    platform: "telegram",
    updateId: `bench-${++seq}`,
    chat: { id: u, kind: "private" },
    sender: { id: u, name: `user${u}` },
    text,
    botUsername: "PurserBot",
  };
};

/** One message through the app's router, rendered as the console would; an error reply fails the bench. */
export function sender(app: App, counter: { rendered: number }) {
  return (text: string, user: (i: number) => number) => async (i: number) => {
    await app.router.handle(msg(user(i), text), async (r) => {
      counter.rendered += renderConsole(r, false).text.length;
      if (r.kind === "error") throw new Error(`bench got an error reply: ${renderConsole(r, false).text}`);
    });
  };
}

/** The router's dedupe answered in memory (every claim won, marks dropped): its JavaScript alone, no database. */
export function withoutDatabase(app: App): void {
  const claimed = Promise.resolve("claimed" as const);
  const done = Promise.resolve();
  (app.router as unknown as { deps: { updates: unknown } }).deps.updates = { claim: () => claimed, complete: () => done, flush: () => done };
}

/**
 * The bench's returning users: 1,000,000 + a seeded uniform pick among the first `users` (whose first
 * contact made them 1,000,000 + i): the same sequence every run, in every tool that draws them.
 */
export function returningUser(users: number): () => number {
  let seed = 20;
  return () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return 1_000_000 + (seed % users);
  };
}

const share = (r: { opsPerSec: number | null } | undefined, base: { opsPerSec: number | null } | undefined) =>
  r?.opsPerSec && base?.opsPerSec ? (r.opsPerSec / base.opsPerSec) * 100 : 0;

/**
 * Router end to end on the SQLite file database: parse, dedupe write, user lookup, run, render.
 * /whoami, and /price SOL served from the price cache (Jupiter fake on loopback for the first
 * fetch), beside raw better-sqlite3 inserts into the same dedupe table - all in one run. On
 * Postgres (TEST_DATABASE_URL) /whoami beside raw single-row inserts over the same pool.
 */
export async function routerBench(n = 20_000): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "purser-bench-"));
  const jup = await startJupiterFake();
  const url = `sqlite:${join(dir, "bench.db")}`;
  const config = loadConfig({
    ...OFFLINE_ENV,
    DATABASE_URL: url,
    USER_RATE_LIMIT_PER_MIN: "100000",
    JUPITER_API_ROOT: jup.url,
    MARKET_SOURCE: "live",
    PRICE_CACHE_TTL_MS: "600000",
    PRICE_MAX_AGE_S: "3600",
  });
  const logged = await fileLogger(dir, "purser.log");
  const app = await buildApp(config, { log: logged.log });
  const users = 200;
  const counter = { rendered: 0 };
  const through = sender(app, counter);
  const whoami = await measure(n, through("/whoami", (i) => Math.abs(i) % users));
  const price = await measure(n, through("/price SOL", (i) => Math.abs(i) % users));
  const priceFetches = jup.requests.length;
  // 100,000 distinct users: each one's first message (creates the user), then 100,000 messages from
  // users drawn uniformly at random among them (a seeded generator: the same draw every run).
  const many = 100_000;
  const firstContact = await measure(many, through("/whoami", (i) => (i < 0 ? 2_000_000 - i : 1_000_000 + i)));
  const draw = returningUser(many);
  // The returning users and the raw inserts side by side: alternating blocks on the same file (the
  // raw inserts on a connection of their own, as another process would), so a checkpoint or the
  // disk's noise falls on both rather than on whichever phase ran at the time.
  const raw = new SQLite(join(dir, "bench.db"));
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  const ins = raw.prepare("insert into processed_updates (platform, update_id, state, claimed_at, done_at) values (?, ?, 'done', ?, ?)");
  const now = Date.now();
  const [returning, base] = (await measureAlternating(10, many / 10, [through("/whoami", () => draw()), (i) => ins.run("raw", `raw-${i}`, now, now)])) as [Measured, Measured];
  raw.close();
  await app.close();
  await logged.close();
  await jup.close();
  if (!counter.rendered) throw new Error("router bench rendered nothing");
  const pgRows = await postgresRows(dir);
  rmSync(dir, { recursive: true, force: true });
  return [
    row("router /whoami end to end (SQLite file)", whoami, "", {
      id: "router.whoami.sqlite",
      target: (r) => ({ text: ">= 5,000 msg/s, p99 < 5 ms", pass: (r.opsPerSec ?? 0) >= 5000 && (r.p99Ms ?? Infinity) < 5 }),
    }),
    row("router /whoami, 100k distinct users: first message each", firstContact, `user created: ${(base.opsPerSec / firstContact.opsPerSec).toFixed(1)} raw inserts a message`, {
      id: "router.whoami.sqlite.100k.first",
    }),
    row("router /whoami, 100k distinct users: random returning, pino to a file", returning, `alternating blocks with the baseline; identity LRU ${IDENTITY_CACHE_MAX.toLocaleString("en-US")} entries; ${(base.opsPerSec / returning.opsPerSec).toFixed(2)} raw inserts a message`, {
      id: "router.whoami.sqlite.100k",
      target: (r, rows) => {
        const pct = share(r, rows("baseline.sqlite.insert"));
        return { text: `>= 60% of raw inserts, p99 < 1 ms (now ${pct.toFixed(0)}%)`, pass: pct >= 60 && (r.p99Ms ?? Infinity) < 1 };
      },
    }),
    row("router /price SOL, cached, end to end", price, `${(price.opsPerSec / whoami.opsPerSec).toFixed(2)}x /whoami; ${priceFetches} upstream fetch(es) for ${n + 500} msgs`, {
      id: "router.price.sqlite",
    }),
    row("  baseline: raw better-sqlite3 insert, same table", base, `beside the 100k row, in turn; router /whoami (200 users) costs ${(base.opsPerSec / whoami.opsPerSec).toFixed(1)} raw inserts`, {
      id: "baseline.sqlite.insert",
    }),
    ...pgRows,
  ];
}

/**
 * /whoami on Postgres (a fresh schema in TEST_DATABASE_URL, pino to a file) beside raw single-row
 * inserts over the same pool (one prepared statement), in alternating blocks: one at a time (the
 * target row), then eight in flight (claims made together batch into one statement; information,
 * no target). Without the variable, one row saying why not. 20,000 messages a side: with 5,000 the
 * share moved 78.5-81.4% between three runs of the same code (a Postgres checkpoint or autovacuum in
 * a 2 s window falls on a few of its blocks); with 20,000, 83.4-84.9%.
 */
export async function postgresRows(dir: string, n = 20_000): Promise<BenchRow[]> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    return [row("router /whoami end to end (Postgres)", null, "skipped: TEST_DATABASE_URL is not set (a Postgres to measure against)", { id: "router.whoami.pg" })];
  }
  const schema = `bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  try {
    const d = createDatabase(url, { schema });
    await migrate(d.db, schema);
    const pool = d.raw?.kind === "postgres" ? d.raw.pool : undefined;
    if (!pool) throw new Error("the Postgres database has no pool");
    const logged = await fileLogger(dir, "purser-pg.log");
    const config = loadConfig({ ...OFFLINE_ENV, DATABASE_URL: url, USER_RATE_LIMIT_PER_MIN: "100000" });
    const app = await buildApp(config, { log: logged.log, db: d });
    const counter = { rendered: 0 };
    const send = sender(app, counter);
    const now = Date.now();
    const text = "insert into processed_updates (platform, update_id, state, claimed_at, done_at) values ($1, $2, 'done', $3, $4)";
    const insert = (id: string) => pool.query({ name: "bench-raw-insert", text, values: ["raw", id, now, now] });
    // one message at a time (latency-bound), the router and the raw insert in alternating blocks
    const [whoami, base] = (await measureAlternating(10, Math.floor(n / 10), [
      send("/whoami", (i) => 5_000_000 + (Math.abs(i) % 200)),
      (i) => insert(`raw-${i}`),
    ])) as [Measured, Measured];
    // eight in flight (a busy bot: the runner handles updates concurrently; the pool has room)
    const eight = (fn: (i: number) => Promise<unknown>) => (i: number) => Promise.all(Array.from({ length: 8 }, (_, j) => fn(i * 8 + j)));
    const per8 = (m: Measured): Measured => ({ ...m, n: m.n * 8, opsPerSec: m.opsPerSec * 8 });
    const [whoami8, base8] = (await measureAlternating(10, Math.floor(n / 80), [
      eight(send("/whoami", (i) => 5_000_000 + (Math.abs(i) % 200))),
      eight((i) => insert(`raw8-${i}`)),
    ])).map(per8) as [Measured, Measured];
    await app.close();
    await logged.close();
    await d.close();
    return [
      row("router /whoami end to end (Postgres), pino to a file", whoami, `one at a time, alternating blocks with the baseline; ${d.where}`, {
        id: "router.whoami.pg",
        target: (r, rows) => {
          const pct = share(r, rows("baseline.pg.insert"));
          return { text: `>= 80% of raw pg inserts (now ${pct.toFixed(0)}%)`, pass: pct >= 80 };
        },
      }),
      row("  baseline: raw pg single-row insert, same pool", base, `router /whoami costs ${(base.opsPerSec / whoami.opsPerSec).toFixed(2)} raw inserts`, {
        id: "baseline.pg.insert",
      }),
      row("router /whoami (Postgres), 8 in flight", whoami8, `${share(whoami8, base8).toFixed(0)}% of raw inserts 8 in flight (claims batch into one statement); latency per batch of 8`, {
        id: "router.whoami.pg.c8",
      }),
      row("  baseline: raw pg single-row insert, 8 in flight, same pool", base8, "latency per batch of 8", {
        id: "baseline.pg.insert.c8",
      }),
    ];
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}
