import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { Platform } from "../../core/domain/identity.js";
import type { Order } from "../../core/domain/order.js";
import { alertReply } from "../../core/services/alert-engine.service.js";
import { tradeEventReply } from "../../core/services/trade-format.js";
import { createDatabase, migrate, repositories, type Db } from "../../db/index.js";
import { levelAlert } from "./alerts.js";
import { freePort } from "./net.js";
import { startPurserProcess } from "./process.js";

/*
 * What the outbox fault tests (tests/bots/faults-outbox-*.test.ts) share: a database both the test and
 * real Purser processes open (a SQLite file, or a Postgres database of its own), outbox rows written as
 * an alert firing and a trade fill write them, and Purser processes started and killed by pid.
 */

const pgUrl = process.env.TEST_DATABASE_URL;
const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;
const USDC = BUILTIN_TOKENS.find((t) => t.symbol === "USDC")!;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SharedDb {
  url: string;
  db: Db;
  repos: ReturnType<typeof repositories>;
  /** Where the processes run (their cwd). */
  dir: string;
  close(): Promise<void>;
}

async function sqliteShared(): Promise<SharedDb> {
  const dir = mkdtempSync(join(tmpdir(), "purser-faults-"));
  const url = `sqlite:${join(dir, "p.db")}`;
  const db = createDatabase(url);
  await migrate(db.db);
  return { url, db, repos: repositories(db), dir, close: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
}

async function postgresShared(base: string): Promise<SharedDb> {
  const dir = mkdtempSync(join(tmpdir(), "purser-faults-"));
  const name = `purser_faults_${randomBytes(4).toString("hex")}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = createDatabase(url);
  await migrate(db.db);
  return {
    url,
    db,
    repos: repositories(db),
    dir,
    close: async () => {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SQLite always; Postgres when TEST_DATABASE_URL is set (CI sets it). */
export const sharedDatabases = [
  { name: "sqlite", skip: false as string | false, open: sqliteShared },
  { name: "postgres", skip: pgUrl ? false : "TEST_DATABASE_URL is not set (CI sets it to the local Postgres)", open: () => postgresShared(pgUrl!) },
];

/** An armed alert that fires now: the alert moves and its push is written in one transaction, as the engine does. */
export async function fireAlert(w: SharedDb, id: string, target: { platform: Platform; chatId: string }, now = Date.now()): Promise<string> {
  const u = await w.repos.users.createWithIdentity({ platform: target.platform, platformUserId: `${target.chatId}-${id}`, displayName: id, now });
  const a = levelAlert({ id, userId: u.user.id, kind: "above", mint: SOL.mint, symbol: "SOL", level: 200, refValue: 150, notify: target, at: now });
  await w.repos.alerts.create(a);
  const reply = alertReply(a, 250, { mint: SOL.mint, symbol: "SOL", usd: 250, source: "jupiter", at: now }, now);
  const key = `alert:${id}:1`;
  if (!(await w.repos.alerts.fire(id, 0, { state: "done", now }, { dedupeKey: key, kind: "alert", target, reply, sourceAt: now }))) throw new Error("alert did not fire");
  return key;
}

/** A filled paper order's push, as the trading service's event handler writes it. */
export async function enqueueFill(w: SharedDb, orderId: string, target: { platform: Platform; chatId: string }, now = Date.now()): Promise<string> {
  const order: Order = {
    id: orderId, userId: "u-fill", mode: "paper", book: "paper", wallet: null, side: "buy", status: "filled",
    input: { mint: USDC.mint, symbol: "USDC", decimals: 6 }, output: { mint: SOL.mint, symbol: "SOL", decimals: 9 },
    inAmount: 10_000_000n, quotedOut: 66_000_000n, minOut: 65_000_000n, slippageBps: 50, priceImpactPct: 0.01, route: ["test"],
    routeFees: null, simulated: false, quoteRaw: null, usdValue: 10, createdAt: now, quoteExpiresAt: now + 30_000, confirmedAt: now, signature: null, rawTx: null,
    lastValidBlockHeight: null, finalAt: now, filledIn: 10_000_000n, filledOut: 66_100_000n, feeLamports: null, error: null, notify: target,
  };
  const key = `trade:${orderId}:trade.filled`;
  await w.repos.outbox.enqueue({ dedupeKey: key, kind: "trade.filled", target, reply: tradeEventReply({ type: "trade.filled", order }) }, now);
  return key;
}

export async function outboxRow(w: SharedDb, key: string) {
  return w.db.db.selectFrom("outbox").select(["state", "attempts", "last_error"]).where("dedupe_key", "=", key).executeTakeFirstOrThrow();
}

export interface Purser {
  pid: number;
  startedAt: number;
  exited: Promise<number | null>;
  stderr: () => string;
  /** SIGKILL (no goodbye), resolved once the process is gone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A Purser OS process on the shared database; `env` adds the platform settings. */
export async function startPurser(w: SharedDb, env: Record<string, string>): Promise<Purser> {
  const port = await freePort();
  const startedAt = Date.now();
  const p = startPurserProcess(w.dir, port, { DATABASE_URL: w.url, ...env });
  const gone = () => p.child.exitCode !== null || p.child.signalCode !== null;
  return {
    pid: p.child.pid!,
    startedAt,
    exited: p.exited,
    stderr: p.stderr,
    kill: async () => {
      if (!gone()) p.child.kill("SIGKILL");
      await p.exited;
    },
    stop: async () => {
      if (!gone()) p.child.kill("SIGTERM");
      await p.exited;
    },
  };
}

/** Rejects after `ms` (a deadline to race an awaited event against; its timer never holds the process). */
export function deadline(ms: number, what: () => string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms: ${what()}`)), ms).unref());
}

/** Polls `check` until it returns a value (not undefined), up to `ms`; the error names `what`. */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
}
