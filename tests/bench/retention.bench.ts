import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import pg from "pg";
import { silentLogger } from "../../core/ports/logger.port.js";
import { DAY_MS, RetentionService, type RetentionBatch } from "../../core/services/retention.service.js";
import { createDatabase, migrate, repositories, type Db } from "../../db/index.js";
import { percentile, type BenchRow } from "./harness.js";

const TARGET_MS = 50;

/** `n` audit rows older than 90 days (and `fresh` recent ones the job must keep). */
async function seed(d: Db, n: number, now: number, tag: string, fresh = 0): Promise<void> {
  const chunk = 1000;
  for (let i = 0; i < n + fresh; i += chunk) {
    const rows = [];
    for (let j = i; j < Math.min(n + fresh, i + chunk); j++) {
      const at = j < n ? now - 91 * DAY_MS - j : now - 1000 - j;
      rows.push({ id: `${tag}${j}`, at, user_id: `u${j % 5000}`, platform: "telegram" as const, action: "trade.confirmed", detail: '{"order":"o-1234567890","usd":12.5}' });
    }
    await d.db.insertInto("audit_log").values(rows).execute();
  }
}

/**
 * After seeding: the rows as a deployment holds 90-day-old ones - written to the database file long
 * ago (SQLite: the WAL checkpointed; Postgres: vacuumed, analysed, checkpointed) - so what is timed is
 * the delete, not the write-back of the 500k rows the bench has just inserted (or of the suites before).
 */
async function settle(variant: "sqlite" | "pg", d: Db): Promise<void> {
  if (variant === "sqlite") {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(d.db);
    return;
  }
  await sql`VACUUM ANALYZE audit_log`.execute(d.db);
  await sql`CHECKPOINT`.execute(d.db);
}

/**
 * Issue 14 item 8: one DELETE of 500k audit rows (the baseline: how long it holds the database, so
 * every query of the router behind it waits that long) beside the retention job's batched deletes
 * of the same rows on the same table, longest single statement against 50 ms.
 */
async function onDatabase(name: string, variant: "sqlite" | "pg", d: Db, n: number): Promise<BenchRow[]> {
  const now = Date.now();
  const fresh = 20_000;
  await seed(d, n, now, "a", fresh);
  await settle(variant, d);
  const t0 = performance.now();
  const r = await sql`DELETE FROM audit_log WHERE at < ${now - 90 * DAY_MS}`.execute(d.db);
  const baselineMs = performance.now() - t0;
  if (Number(r.numAffectedRows) !== n) throw new Error(`baseline deleted ${String(r.numAffectedRows)} of ${n}`);

  await seed(d, n, now, "b");
  await settle(variant, d);
  const repos = repositories(d);
  const batches: RetentionBatch[] = [];
  const job = new RetentionService({
    store: repos.retention,
    leases: repos.leases,
    clock: { now: () => now },
    log: silentLogger,
    owner: "bench",
    intervalMs: 3_600_000,
    policy: { auditDays: 90, outboxDays: 7, llmUsageDays: 90, priceTicksDays: 90, snapshotDays: 365 },
    onBatch: (b) => batches.push(b),
  });
  const j0 = performance.now();
  const res = await job.runOnce();
  const totalMs = performance.now() - j0;
  await job.stop();
  const audit = batches.filter((b) => b.table === "audit_log" && b.rows > 0);
  const deleted = audit.reduce((s, b) => s + b.rows, 0);
  if (res.kind !== "done" || deleted !== n) throw new Error(`batched job deleted ${deleted} of ${n}`);
  const left = await d.db.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("c")).executeTakeFirstOrThrow();
  if (Number(left.c) !== fresh) throw new Error(`the job left ${String(left.c)} rows, not the ${fresh} recent ones`);
  const lat = Float64Array.from(audit.map((b) => b.ms)).sort();
  const longest = lat[lat.length - 1] ?? 0;
  const longestAny = Math.max(...batches.map((b) => b.ms));
  const k = (n / 1000).toFixed(0);
  return [
    {
      id: `retention.delete.${variant}`,
      name: `retention ${name}: one DELETE of ${k}k audit rows`,
      opsPerSec: null,
      p50Ms: baselineMs,
      p99Ms: baselineMs,
      note: `baseline: one statement holds the database ${baselineMs.toFixed(0)} ms`,
    },
    {
      id: `retention.batched.${variant}`,
      name: `retention ${name}: batched job, same ${k}k rows`,
      opsPerSec: null,
      p50Ms: percentile(lat, 50),
      p99Ms: percentile(lat, 99),
      note:
        `longest statement ${longest.toFixed(1)} ms (any table ${longestAny.toFixed(1)} ms) over ${audit.length} batches of <=1,000; ` +
        `job ${(totalMs / 1000).toFixed(1)} s`,
      target: { text: `longest statement < ${TARGET_MS} ms`, pass: Math.max(longest, longestAny) < TARGET_MS },
    },
  ];
}

export async function retentionBench(n = 500_000): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), "purser-retbench-"));
  const lite = createDatabase(`sqlite:${join(dir, "bench.db")}`);
  try {
    await migrate(lite.db);
    out.push(...(await onDatabase("sqlite", "sqlite", lite, n)));
  } finally {
    await lite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    out.push({ id: "retention.batched.pg", name: "retention postgres", opsPerSec: null, p50Ms: null, p99Ms: null, note: "skipped: TEST_DATABASE_URL is not set" });
    return out;
  }
  const schema = `bench_ret_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pgDb = createDatabase(url, { schema, poolMax: 2 });
  try {
    await migrate(pgDb.db, schema);
    out.push(...(await onDatabase("postgres", "pg", pgDb, n)));
  } finally {
    await pgDb.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
  return out;
}
