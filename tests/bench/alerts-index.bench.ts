import { performance } from "node:perf_hooks";
import { getGc, measure, percentile, row, settledMemory, type BenchRow, type Measured } from "./harness.js";
import { AlertIndex, type Side } from "../../core/domain/alert-index.js";
import { rng } from "../helpers/rng.js";

/**
 * The price-alert index at scale: 1,000,000 active threshold alerts over 50 tokens, then ticks.
 *
 * Each token gets 20,000 alerts, half `above` at +1%..+50% of its price and half `below` at
 * -1%..-50%, so a tick within +-0.5% of the price fires nothing (the common case: most ticks move
 * no alert). We report the memory the index holds, the latency of a quiet tick against a linear
 * scan over a plain array of the same alerts, and a tick that fires 1,000 alerts at once.
 *
 * Memory is heapUsed + arrayBuffers (the index keeps its data in typed arrays, whose backing
 * stores V8 counts outside heapUsed), after a forced GC. GC is exposed at run time through
 * v8.setFlagsFromString, so no `--expose-gc` flag is needed; with NODE_OPTIONS=--expose-gc the
 * global one is used instead.
 */

const TOKENS = 50;
const PER_TOKEN = 20_000;
const QUIET_TICKS = 20_000;
const SCAN_TICKS = 200;
const FIRE_BATCH = 1_000;
const FIRE_TICKS = 300;




const MB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const us = (ms: number) => `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;

export async function alertIndexBench(): Promise<BenchRow[]> {
  const gc = getGc();
  const rand = rng(424242);
  const names = Array.from({ length: TOKENS }, (_, k) => `TOKEN${k}`);
  // Prices from $0.00001 (BONK-sized) to ~$200.
  const prices = names.map(() => 10 ** (-5 + rand() * 7.3));
  const n = TOKENS * PER_TOKEN;
  const tokenOf = new Int32Array(n);
  const sideOf = new Uint8Array(n); // 0 above, 1 below
  const levelOf = new Float64Array(n);
  for (let h = 0; h < n; h++) {
    const k = h % TOKENS; // tokens interleaved, levels random: inserts land anywhere in the runs
    const below = (h / TOKENS) % 2 >= 1;
    tokenOf[h] = k;
    sideOf[h] = below ? 1 : 0;
    levelOf[h] = prices[k]! * (below ? 0.99 - 0.49 * rand() : 1.01 + 0.49 * rand());
  }
  const side = (h: number): Side => (sideOf[h] ? "below" : "above");

  // Build, measuring what the index holds once the garbage is gone.
  const before = settledMemory(gc);
  const ix = new AlertIndex();
  const t0 = performance.now();
  for (let h = 0; h < n; h++) ix.addThreshold(names[tokenOf[h]!]!, h, side(h), levelOf[h]!);
  const buildMs = performance.now() - t0;
  const after = settledMemory(gc);
  const heapMB = MB(after.heap - before.heap);
  const bufMB = MB(after.buffers - before.buffers);
  const totalMB = MB(after.heap - before.heap + after.buffers - before.buffers);
  if (ix.size !== n) throw new Error(`index holds ${ix.size}, expected ${n}`);

  // Quiet ticks: rotating tokens, prices within +-0.5% of each token's price.
  const tickPrice = Float64Array.from({ length: QUIET_TICKS }, (_, i) => prices[i % TOKENS]! * (0.995 + 0.01 * rand()));
  let fired = 0;
  let clock = 0;
  const ours = await measure(QUIET_TICKS, (i) => {
    const j = i < 0 ? -1 - i : i;
    fired += ix.onTick(names[j % TOKENS]!, ++clock, tickPrice[j % QUIET_TICKS]!).length;
  });
  if (fired !== 0 || ix.size !== n) throw new Error(`quiet ticks fired ${fired} alerts`);

  // The same alerts as a plain array, scanned on every tick.
  const flat = Array.from({ length: n }, (_, h) => ({ token: names[tokenOf[h]!]!, side: side(h), level: levelOf[h]! }));
  let scanned = 0;
  const scan = await measure(
    SCAN_TICKS,
    (i) => {
      const j = i < 0 ? -1 - i : i;
      const token = names[j % TOKENS]!;
      const p = tickPrice[j % QUIET_TICKS]!;
      const hits: number[] = [];
      for (let h = 0; h < flat.length; h++) {
        const a = flat[h]!;
        if (a.token === token && (a.side === "above" ? a.level <= p : a.level >= p)) hits.push(h);
      }
      scanned += hits.length;
    },
    20,
  );
  if (scanned !== 0) throw new Error(`linear scan fired ${scanned} alerts`);
  flat.length = 0;

  // A tick that fires 1,000 alerts: the 1,000 lowest `above` levels of one token; re-added untimed.
  const lowestAbove = names.map((_, k) => {
    const hs: number[] = [];
    for (let h = k; h < n; h += TOKENS) if (!sideOf[h]) hs.push(h);
    return hs.sort((a, b) => levelOf[a]! - levelOf[b]!).slice(0, FIRE_BATCH);
  });
  const lat = new Float64Array(FIRE_TICKS);
  let burstTotal = 0;
  for (let i = -50; i < FIRE_TICKS; i++) {
    const k = (i + 50) % TOKENS;
    const batch = lowestAbove[k]!;
    const p = levelOf[batch[batch.length - 1]!]!;
    const s = performance.now();
    const out = ix.onTick(names[k]!, ++clock, p);
    const e = performance.now();
    if (out.length !== FIRE_BATCH) throw new Error(`burst tick fired ${out.length}, expected ${FIRE_BATCH}`);
    if (i >= 0) {
      lat[i] = e - s;
      burstTotal += e - s;
    }
    for (const h of out) ix.addThreshold(names[k]!, h, "above", levelOf[h]!);
  }
  lat.sort();
  const burst: Measured = {
    n: FIRE_TICKS,
    totalMs: burstTotal,
    opsPerSec: (FIRE_TICKS / burstTotal) * 1000,
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
  };

  // Steady-state churn: add one alert and remove it again, with 1,000,000 in the index.
  const churn = await measure(20_000, (i) => {
    const j = i < 0 ? -1 - i : i;
    const k = j % TOKENS;
    const h = n + j;
    ix.addThreshold(names[k]!, h, j % 2 ? "below" : "above", prices[k]! * (0.6 + 0.8 * ((j * 0.618) % 1)));
    ix.remove(h);
  });
  if (ix.size !== n) throw new Error(`index holds ${ix.size} after churn, expected ${n}`);

  const ratio = scan.p50Ms / ours.p50Ms;
  return [
    row(
      `alerts: build ${n.toLocaleString("en-US")} threshold alerts over ${TOKENS} tokens`,
      null,
      `${Math.round((n / buildMs) * 1000).toLocaleString("en-US")} adds/s (${buildMs.toFixed(0)} ms); index memory ${totalMB} MB (heap ${heapMB} MB + typed arrays ${bufMB} MB)`,
      { id: "alerts.index.build", target: { text: "index < 500 MB", pass: Number(totalMB) < 500 } },
    ),
    row(
      "alerts: quiet tick, sorted index (1M alerts)",
      ours,
      `median ${us(ours.p50Ms)}, fires nothing; index ${totalMB} MB`,
      { id: "alerts.index.quiet", target: (r) => ({ text: "< 50 µs median", pass: (r.p50Ms ?? Infinity) * 1000 < 50 }) },
    ),
    row("alerts: quiet tick, linear scan over 1M {token, side, level}", scan, `median ${us(scan.p50Ms)}; ${SCAN_TICKS} ticks`, { id: "alerts.scan.quiet" }),
    row("alerts: quiet tick speed-up (median scan / median index)", null, `${Math.round(ratio).toLocaleString("en-US")}x`, {
      id: "alerts.index.speedup",
      target: { text: ">= 1,000x the linear scan", pass: ratio >= 1000 },
    }),
    row(
      `alerts: tick firing ${FIRE_BATCH.toLocaleString("en-US")} alerts at once`,
      burst,
      `median ${us(burst.p50Ms)} = ${((burst.p50Ms * 1e6) / FIRE_BATCH).toFixed(0)} ns per fired alert (taken from the index, handles returned)`,
      { id: "alerts.index.fire" },
    ),
    row("alerts: add + remove one alert at 1M (20k per token)", churn, `median ${us(churn.p50Ms)} per pair (binary search + copyWithin)`, { id: "alerts.index.churn" }),
  ];
}
