import { performance, PerformanceObserver } from "node:perf_hooks";
import { openPgPair } from "./pg-pair.js";

/**
 * Where the router's mean latency on Postgres goes beyond its median, beside the raw insert's:
 * alternating blocks (as the bench), each op's latency and the turn before it recorded; prints
 * percentiles, the mean, the mean turn, how much of the mean each band above the median adds, and
 * the collections (by kind: 1 minor, 4 major) that ran during each variant's blocks.
 *   npx tsx tests/bench/profiles/tail-pg.ts [BLOCK=2000] [ROUNDS=10]
 */
const block = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 10);
const { whoami, raw, close } = await openPgPair("tail");
const fns = [whoami, raw];
const names = ["router", "raw"];
const lat = fns.map(() => [] as number[]);
const gap = fns.map(() => [] as number[]);
// collections during each variant's blocks: count and time by kind (minor, major, incremental, weak)
let current = -1;
const gcs = fns.map(() => new Map<number, { n: number; ms: number }>());
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (current < 0) continue;
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
    const g = gcs[current]!.get(kind) ?? { n: 0, ms: 0 };
    g.n++;
    g.ms += e.duration;
    gcs[current]!.set(kind, g);
  }
}).observe({ entryTypes: ["gc"] });
const nextTurn = () => new Promise<void>((r) => setImmediate(r));
for (let r = -1; r < rounds; r++) {
  for (let v = 0; v < fns.length; v++) {
    current = r >= 0 ? v : -1;
    for (let i = 0; i < block; i++) {
      const g0 = performance.now();
      await nextTurn();
      const t0 = performance.now();
      await fns[v]!(r * block + i);
      const t1 = performance.now();
      if (r >= 0) {
        lat[v]!.push((t1 - t0) * 1000);
        gap[v]!.push((t0 - g0) * 1000);
      }
    }
  }
}
current = -1;
for (let v = 0; v < fns.length; v++) {
  const s = [...lat[v]!].sort((a, b) => a - b);
  const n = s.length;
  const at = (p: number) => s[Math.min(n - 1, Math.floor((p / 100) * n))]!;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const g = gap[v]!.reduce((a, b) => a + b, 0) / n;
  const p50 = at(50);
  const band = (lo: number, hi: number) => s.slice(Math.floor((lo / 100) * n), Math.floor((hi / 100) * n)).reduce((a, b) => a + (b - p50), 0) / n;
  console.log(
    `${names[v]!.padEnd(6)} p50 ${p50.toFixed(0)} p90 ${at(90).toFixed(0)} p99 ${at(99).toFixed(0)} p99.9 ${at(99.9).toFixed(0)} max ${s[n - 1]!.toFixed(0)} µs; mean ${mean.toFixed(1)} + turn ${g.toFixed(1)} = ${(mean + g).toFixed(1)}; above p50 from p50-90 ${band(50, 90).toFixed(1)}, p90-99 ${band(90, 99).toFixed(1)}, p99-100 ${band(99, 100).toFixed(1)}`,
  );
  const n1 = lat[v]!.length;
  console.log(`       gc: ${[...gcs[v]!].map(([kind, g]) => `kind ${kind}: ${g.n} x, ${((g.ms * 1000) / n1).toFixed(2)} µs an op`).join("; ")}`);
}
await close();
