import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildApp } from "../../../bots/app.js";
import { loadConfig } from "../../../bots/config.js";
import { createDatabase, migrate } from "../../../db/index.js";
import { OFFLINE_ENV } from "../../helpers/app.js";
import { measureTurns } from "../harness.js";
import { fileLogger, returningUser, sender, withoutDatabase } from "../router.bench.js";

/**
 * CPU profile of the router's hot path, as `router.whoami.sqlite.100k` measures it: USERS distinct
 * users (first contact not profiled), then MSGS /whoami from users drawn uniformly at random, with
 * pino writing to a file. Prints the top self-time functions and the µs a message each costs.
 *   npx tsx tests/bench/profiles/profile-router.ts [USERS=100000] [MSGS=100000] [out.cpuprofile]
 * With PROFILE_PG=<postgres url>, on Postgres instead (a fresh schema there, dropped afterwards), as
 * `router.whoami.pg` measures it. NODB=1: claims and done marks answered in memory (the router's
 * JavaScript alone). ALLOC=1: the bytes each function allocates a message instead of CPU time. Before
 * either, the same messages unprofiled print their µs a message and the event loop's idle time.
 */
const users = Number(process.argv[2] ?? 100_000);
const msgs = Number(process.argv[3] ?? 100_000);
const out = process.argv[4];
const dir = mkdtempSync(join(tmpdir(), "purser-prof-"));
const pgUrl = process.env.PROFILE_PG;
const schema = `prof_${randomBytes(4).toString("hex")}`;
const db = pgUrl ? createDatabase(pgUrl, { schema }) : undefined;
if (db) {
  await db.db.schema.createSchema(schema).execute();
  await migrate(db.db, schema);
}
const config = loadConfig({ ...OFFLINE_ENV, DATABASE_URL: pgUrl ?? `sqlite:${join(dir, "p.db")}`, USER_RATE_LIMIT_PER_MIN: "100000" });
const logged = await fileLogger(dir, "purser.log");
const app = await buildApp(config, { log: logged.log, ...(db ? { db } : {}) });
const send = sender(app, { rendered: 0 })("/whoami", (i) => 1_000_000 + i);
for (let i = 0; i < users; i++) await send(i);
const draw = returningUser(users);
const returning = sender(app, { rendered: 0 })("/whoami", () => draw());
for (let i = 0; i < 2000; i++) await returning(i); // warm
if (process.env.NODB === "1") {
  withoutDatabase(app);
  for (let i = 0; i < 2000; i++) await returning(i);
}
{
  // unprofiled, for the figure without the profiler's overhead
  const t = performance.now();
  const elu0 = performance.eventLoopUtilization();
  await turns();
  const elu = performance.eventLoopUtilization(elu0);
  console.log(`unprofiled: ${(((performance.now() - t) * 1000) / msgs).toFixed(1)} µs a message; event loop idle ${((elu.idle * 1000) / msgs).toFixed(1)} µs a message`);
}
const session = new Session();
session.connect();
if (process.env.ALLOC === "1") {
  await allocations();
  process.exit(0);
}
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 50 });
await session.post("Profiler.start");
const t0 = performance.now();
await turns();
const ms = performance.now() - t0;
const { profile } = await session.post("Profiler.stop");
await close();
if (out) writeFileSync(out, JSON.stringify(profile));

// self time per function: samples x their intervals
const self = new Map<number, number>();
for (let i = 0; i < profile.samples!.length; i++) {
  const id = profile.samples![i]!;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas![i] ?? 0));
}
const byFn = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const t = self.get(node.id) ?? 0;
  total += t;
  const f = node.callFrame;
  const file = f.url.split("/").slice(f.url.includes("node_modules") ? -2 : -1).join("/");
  const name = `${f.functionName || "(anonymous)"} ${file}`.trim();
  byFn.set(name, (byFn.get(name) ?? 0) + t);
}
const top = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 15));
process.stdout.write(`${msgs} msgs from ${users} users in ${ms.toFixed(0)} ms: ${((ms * 1000) / msgs).toFixed(1)} µs a message (${((msgs / ms) * 1000).toFixed(0)}/s); profiled ${(total / 1000).toFixed(0)} ms\n`);
process.stdout.write("| self % | µs/msg | function |\n|---:|---:|---|\n");
for (const [name, t] of top) process.stdout.write(`| ${((t / total) * 100).toFixed(1)} | ${(t / msgs).toFixed(1)} | ${name} |\n`);

/** MSGS messages, each in its own turn of the event loop, as the bench measures them. */
async function turns(): Promise<void> {
  await measureTurns(msgs, returning, 0);
}

async function close(): Promise<void> {
  await app.close();
  await logged.close();
  if (db) {
    await db.db.schema.dropSchema(schema).cascade().execute();
    await db.close();
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * ALLOC=1: where the messages allocate, by the sampling heap profiler (objects the young and old
 * collections freed counted too): the bytes a message each allocating function (self) is
 * responsible for, with its caller.
 */
async function allocations(): Promise<void> {
  await session.post("HeapProfiler.enable");
  await session.post("HeapProfiler.startSampling", { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await turns();
  const { profile: heap } = await session.post("HeapProfiler.stopSampling");
  await close();
  type Node = { callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }; selfSize: number; children: Node[] };
  const bySite = new Map<string, number>();
  let bytes = 0;
  const walk = (n: Node, parent: string) => {
    const f = n.callFrame;
    const file = f.url.split("/").slice(f.url.includes("node_modules") ? -2 : -1).join("/");
    // tsx runs each file as one line: the column (of the function's start) tells functions apart
    const name = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}:${f.columnNumber ?? ""}`;
    if (n.selfSize) {
      const key = `${name}  <- ${parent}`;
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
      bytes += n.selfSize;
    }
    for (const c of n.children) walk(c, name);
  };
  walk(heap.head as unknown as Node, "");
  process.stdout.write(`${(bytes / msgs).toFixed(0)} bytes allocated a message (sampled)\n`);
  for (const [k, b] of [...bySite].sort((x, y) => y[1] - x[1]).slice(0, Number(process.env.TOP ?? 30))) process.stdout.write(`${(b / msgs).toFixed(0).padStart(6)}  ${k}\n`);
}
