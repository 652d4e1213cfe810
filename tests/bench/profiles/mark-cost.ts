import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createDatabase, migrate } from "../../../db/index.js";

/**
 * What a done mark costs on SQLite, and how much of it is the checkpoint its flush runs (eighth pass in
 * router.md): ROUNDS x (1,280 claims, each its own commit, as the router's one-at-a-time claims are;
 * then their marks in one transaction, 64 a statement as the router writes them), alternating marks
 * found by key (as shipped) and by rowid. Prints the means a row (µs). AUTOCKPT=N: the connection's
 * wal_autocheckpoint (pages; 0: never); SQLite's default 1,000 runs a checkpoint in every round's
 * mark transaction (the claims' commits, statements with RETURNING, do not run it).
 *   npx tsx tests/bench/profiles/mark-cost.ts [ROUNDS=40]
 */
const dir = mkdtempSync(join(tmpdir(), "purser-mark-"));
// the app's own database: its pragmas (WAL, synchronous NORMAL) and the migrated dedupe table
const d = createDatabase(`sqlite:${join(dir, "m.db")}`);
await migrate(d.db);
if (d.raw?.kind !== "sqlite") throw new Error("not SQLite");
const db = d.raw.sqlite;
if (process.env.AUTOCKPT) db.pragma(`wal_autocheckpoint = ${process.env.AUTOCKPT}`);
const claim = db.prepare(`insert into processed_updates (platform, update_id, state, claimed_at, done_at) values (?, ?, 'claimed', ?, null)
  on conflict (platform, update_id) do update set claimed_at = excluded.claimed_at
  where processed_updates.state = 'claimed' and processed_updates.claimed_at < ?
  returning rowid`);
const byKey = db.prepare(`update processed_updates as p set state = 'done', done_at = d.column3 from (values ${Array.from({ length: 64 }, () => "(?, ?, ?)").join(", ")}) as d where p.platform = d.column1 and p.update_id = d.column2`);
const byRowid = db.prepare(`update processed_updates as p set state = 'done', done_at = d.column2 from (values ${Array.from({ length: 64 }, () => "(?, ?)").join(", ")}) as d where p.rowid = d.column1`);
let seq = 0;
const now = Date.now();
const rounds = Number(process.argv[2] ?? 40);
const res = { key: [] as number[], rowid: [] as number[], claim: [] as number[] };
for (let r = 0; r < rounds; r++) {
  for (const kind of ["key", "rowid"] as const) {
    const rows: Array<{ id: string; rowid: number }> = [];
    const t0 = performance.now();
    for (let i = 0; i < 1280; i++) {
      const id = `u-${++seq}`;
      const got = claim.get("telegram", id, now, now - 1000) as { rowid: number };
      rows.push({ id, rowid: got.rowid });
    }
    const t1 = performance.now();
    db.transaction(() => {
      for (let i = 0; i < rows.length; i += 64) {
        const args: unknown[] = [];
        for (let j = i; j < i + 64; j++) {
          if (kind === "key") args.push("telegram", rows[j]!.id, now);
          else args.push(rows[j]!.rowid, now);
        }
        (kind === "key" ? byKey : byRowid).run(args);
      }
    })();
    const t2 = performance.now();
    res.claim.push(((t1 - t0) * 1000) / 1280);
    res[kind].push(((t2 - t1) * 1000) / 1280);
  }
}
const med = (a: number[]) => (a.reduce((x, y) => x + y, 0) / a.length).toFixed(2);
console.log(`claim ${med(res.claim)} µs; mark by key ${med(res.key)} µs, by rowid ${med(res.rowid)} µs (means of ${rounds} rounds, ${seq} rows)`);
await d.close();
rmSync(dir, { recursive: true, force: true });
