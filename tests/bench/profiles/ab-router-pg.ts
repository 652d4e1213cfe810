import type { ClaimResult, ProcessedUpdates } from "../../../core/ports/updates.port.js";
import { measureTurns } from "../harness.js";
import { openPgPair } from "./pg-pair.js";

/**
 * Where the router's time goes on Postgres, by swapping its dedupe at run time and measuring the
 * variants in alternating blocks in one process (tests/bench/profiles/router.md, fourth pass):
 *   npx tsx tests/bench/profiles/ab-router-pg.ts [BLOCK=1000] [ROUNDS=8] [variants, comma-separated]
 * Variants: router (as shipped), raw (the bench's raw insert), nomarks (done marks never written),
 * nodb (claims answered without a database), rawclaim (the router with its claim replaced by the
 * raw insert), rawspin (the raw insert, then SPIN_US=20 µs of busy JavaScript: what a fixed amount of
 * CPU after each round trip costs in wall time), router8 / raw8 (eight in flight; figures per batch
 * of eight). Prints, a variant,
 * the median over blocks of p50 and mean (ms) and the Node process's CPU an op (ms, user+sys; an op of
 * the *8 variants is a batch of eight).
 * PROFILE_PG=<url> (default the local test database); a fresh schema, dropped afterwards.
 */
const block = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 8);
const chosen = (process.argv[4] ?? "router,raw,nomarks,rawclaim").split(",");
const { app, whoami, raw, close } = await openPgPair("ab");

// the router's dedupe, swapped for one variant's messages
const deps = (app.router as unknown as { deps: { updates: ProcessedUpdates } }).deps;
const shipped = deps.updates;
const claimed: Promise<ClaimResult> = Promise.resolve("claimed");
const swapped = (u: Partial<ProcessedUpdates>) => async (i: number) => {
  deps.updates = { ...shipped, claim: shipped.claim.bind(shipped), flush: shipped.flush.bind(shipped), complete: async () => {}, ...u };
  try {
    await whoami(i);
  } finally {
    deps.updates = shipped;
  }
};
const eight = (fn: (i: number) => unknown) => (i: number) => Promise.all(Array.from({ length: 8 }, (_, j) => fn(i * 8 + j)));
const variants: Record<string, (i: number) => unknown> = {
  router: whoami,
  raw,
  nomarks: swapped({}),
  nodb: swapped({ claim: () => claimed }),
  rawclaim: swapped({ claim: async () => (await raw(), "claimed") }),
  rawspin: async () => {
    await raw();
    const until = performance.now() + Number(process.env.SPIN_US ?? 20) / 1000;
    while (performance.now() < until);
  },
  router8: eight(whoami),
  raw8: eight(raw),
};
const names = chosen.filter((n) => variants[n]);
const fns = names.map((n) => variants[n]!);

// per round, each variant's block: its p50, mean and CPU a message
const p50: number[][] = names.map(() => []);
const mean: number[][] = names.map(() => []);
const cpu: number[][] = names.map(() => []);
const warmup = 1000; // the 200 users first seen, and the JIT warm, before any block is measured
for (let r = 0; r < rounds; r++) {
  for (let v = 0; v < fns.length; v++) {
    const before = process.cpuUsage();
    const m = await measureTurns(block, fns[v]!, r === 0 ? warmup : 0); // warmed up in the first round only
    const used = process.cpuUsage(before);
    p50[v]!.push(m.p50Ms);
    mean[v]!.push(m.totalMs / block);
    cpu[v]!.push((used.user + used.system) / 1000 / (block + (r === 0 ? warmup : 0)));
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
for (let v = 0; v < names.length; v++) {
  console.log(`${names[v]!.padEnd(9)} p50 ${med(p50[v]!).toFixed(3)} ms  mean ${med(mean[v]!).toFixed(3)} ms  node cpu ${med(cpu[v]!).toFixed(3)} ms/op`);
}
const at = (n: string) => names.indexOf(n);
if (at("router") >= 0 && at("raw") >= 0) console.log(`raw/router (medians of block means): ${(med(mean[at("raw")]!) / med(mean[at("router")]!)).toFixed(2)}`);

await close();
