import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { buildApp } from "../../../bots/app.js";
import { loadConfig } from "../../../bots/config.js";
import { OFFLINE_ENV } from "../../helpers/app.js";
import { startJupiterFake } from "../../fakes/jupiter-api.js";
import { measureAlternating, measureTurns, type Measured } from "../harness.js";
import { fileLogger, returningUser, sender } from "../router.bench.js";

/**
 * `router.whoami.sqlite.100k` on its own, for quick repeated looks (tests/bench/profiles/router.md,
 * fourth pass): USERS first contacts, then ROUNDS x (a block of BLOCK /whoami from returning users,
 * a block of BLOCK raw inserts on a second connection to the same file). Prints each block's mean
 * and p50 (µs) and the ratio of the totals (raw time / router time: the bench row's share).
 *   npx tsx tests/bench/profiles/ab-router-sqlite.ts [USERS=100000] [BLOCK=10000] [ROUNDS=10]
 * AB_ALT=1: measured as the bench row is (harness.measureAlternating: one warm-up block each, ROUNDS
 * alternating blocks, the raw inserts' ids as the bench's); AB_LIVE=1: the bench's app (live market
 * on the Jupiter fake); AB_PRE=1: after the bench's earlier phases (20,000 /whoami and /price SOL from
 * 200 users). Sixth pass in router.md.
 */
const users = Number(process.argv[2] ?? 100_000);
const block = Number(process.argv[3] ?? 10_000);
const rounds = Number(process.argv[4] ?? 10);
const dir = mkdtempSync(join(tmpdir(), "purser-ab-"));
const alternating = process.env.AB_ALT === "1";
const jup = process.env.AB_LIVE === "1" ? await startJupiterFake() : undefined;
const config = loadConfig({
  ...OFFLINE_ENV,
  DATABASE_URL: `sqlite:${join(dir, "p.db")}`,
  USER_RATE_LIMIT_PER_MIN: "100000",
  ...(jup ? { JUPITER_API_ROOT: jup.url, MARKET_SOURCE: "live", PRICE_CACHE_TTL_MS: "600000", PRICE_MAX_AGE_S: "3600" } : {}),
});
const logged = await fileLogger(dir, "purser.log");
const app = await buildApp(config, { log: logged.log });
if (process.env.AB_PRE === "1") {
  await measureTurns(20_000, sender(app, { rendered: 0 })("/whoami", (i) => Math.abs(i) % 200));
  await measureTurns(20_000, sender(app, { rendered: 0 })("/price SOL", (i) => Math.abs(i) % 200));
}
await measureTurns(users, sender(app, { rendered: 0 })("/whoami", (i) => (i < 0 ? 2_000_000 - i : 1_000_000 + i)));
const draw = returningUser(users);
const returning = sender(app, { rendered: 0 })("/whoami", () => draw());
const raw = new SQLite(join(dir, "p.db"));
raw.pragma("journal_mode = WAL");
raw.pragma("synchronous = NORMAL");
const ins = raw.prepare("insert into processed_updates (platform, update_id, state, claimed_at, done_at) values (?, ?, 'done', ?, ?)");
const now = Date.now();
let k = 0;
const said = { router: [] as string[], raw: [] as string[] };
const total = { router: 0, raw: 0 };
if (alternating) {
  const [a, b] = (await measureAlternating(rounds, block, [returning, (i) => ins.run("raw", `raw-${i}`, now, now)])) as [Measured, Measured];
  const us = (ms: number) => (ms * 1000).toFixed(0);
  console.log(`alternating: router ${a.opsPerSec.toFixed(0)}/s p50 ${us(a.p50Ms)} µs, raw ${b.opsPerSec.toFixed(0)}/s p50 ${us(b.p50Ms)} µs: share ${(a.opsPerSec / b.opsPerSec).toFixed(3)}`);
}
for (let r = 0; r < (alternating ? 0 : rounds); r++) {
  const a = await measureTurns(block, returning, r === 0 ? 500 : 0); // warmed up in the first round only
  const b = await measureTurns(block, () => ins.run("raw", `ab-${++k}`, now, now), r === 0 ? 500 : 0);
  for (const [name, m] of [["router", a], ["raw", b]] as const) {
    total[name] += m.totalMs;
    said[name].push(`${((m.totalMs / block) * 1000).toFixed(0)}/${(m.p50Ms * 1000).toFixed(0)}`);
  }
}
console.log(`wal at the end: ${(statSync(join(dir, "p.db-wal")).size / 1e6).toFixed(1)} MB; db ${(statSync(join(dir, "p.db")).size / 1e6).toFixed(1)} MB`);
if (!alternating) {
  console.log(`router mean/p50 µs ${said.router.join(" ")}`);
  console.log(`raw    mean/p50 µs ${said.raw.join(" ")}`);
  console.log(`raw time / router time: ${(total.raw / total.router).toFixed(3)}`);
}
raw.close();
await app.close();
await logged.close();
await jup?.close();
rmSync(dir, { recursive: true, force: true });
