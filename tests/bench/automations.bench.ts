import { performance } from "node:perf_hooks";
import { getGc, measure, percentile, row, settledMemory, type BenchRow, type Measured } from "./harness.js";
import { AutomationBook } from "../../core/domain/automation-index.js";
import { isBeyond, type Watch } from "../../core/domain/automation-trigger.js";
import { rng } from "../helpers/rng.js";

/**
 * The price-automation index at scale (issue 17): 1,000,000 armed automations over 50 tokens, then
 * ticks. Per token 20,000: 25% limit buys and 20% stops below the price (-1% .. -50%), 15% limit
 * sells and 15% take-profits above it (+1% .. +50%), 25% trailing stops (distance 1% .. 30%; four
 * in five share the price when set as their high, the rest were set higher and keep a high of
 * their own). A tick between 0.5% below the price and the price fires nothing and lifts no high:
 * the common case. We time that quiet tick against a linear scan over a plain array of the same
 * automations in the same run, then a tick that lifts every trailing stop of a token (a new high),
 * and a tick that fires 1,000 automations at once.
 */

const TOKENS = 50;
const PER_TOKEN = 20_000;
const QUIET_TICKS = 20_000;
const SCAN_TICKS = 100;
const FIRE_BATCH = 1_000;
const FIRE_TICKS = 200;
const TARGET_US = 10;
const TARGET_RATIO = 1000;

const MB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const us = (ms: number) => `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;

function makeWatch(rand: () => number, p: number, slot: number): Watch {
  const r = slot % 20; // 5 limit buys, 4 stops, 3 limit sells, 3 take-profits, 5 trailing stops in 20
  if (r < 9) return { kind: "level", side: "below", level: p * (0.99 - 0.49 * rand()), confirm: r >= 5 };
  if (r < 15) return { kind: "level", side: "above", level: p * (1.01 + 0.49 * rand()), confirm: false };
  if (r < 19) return { kind: "trail", f: 0.01 + 0.29 * rand(), high: p };
  // Set when the price was higher: its level must still sit below the quiet band.
  const high = p * (1 + 0.2 * rand());
  return { kind: "trail", f: Math.min(0.9, 1 - (0.99 * p) / high + 0.25 * rand()), high };
}

export async function automationsBench(): Promise<BenchRow[]> {
  const gc = getGc();
  const rand = rng(1717);
  const names = Array.from({ length: TOKENS }, (_, k) => `TOKEN${k}`);
  const prices = names.map(() => 10 ** (-5 + rand() * 7.3));
  const n = TOKENS * PER_TOKEN;
  const watches: Watch[] = Array.from({ length: n }, (_, h) => makeWatch(rand, prices[h % TOKENS] ?? 1, Math.floor(h / TOKENS)));

  const before = settledMemory(gc);
  const book = new AutomationBook();
  let clock = 1;
  for (let k = 0; k < TOKENS; k++) book.onGoodTick(names[k] ?? "", clock, prices[k] ?? 1);
  const t0 = performance.now();
  for (let h = 0; h < n; h++) book.add(names[h % TOKENS] ?? "", h, watches[h] ?? { kind: "trail", f: 0.1, high: 1 });
  const buildMs = performance.now() - t0;
  const after = settledMemory(gc);
  const memMB = MB(after.heap - before.heap + after.buffers - before.buffers);
  if (book.size !== n) throw new Error(`book holds ${book.size}, expected ${n}`);

  // Quiet ticks: rotating tokens, prices from 0.5% below each token's price up to it.
  const tickPrice = Float64Array.from({ length: QUIET_TICKS }, (_, i) => (prices[i % TOKENS] ?? 1) * (0.995 + 0.005 * rand()));
  let busy = 0;
  const ours = await measure(QUIET_TICKS, (i) => {
    const j = i < 0 ? -1 - i : i;
    const t = book.onGoodTick(names[j % TOKENS] ?? "", ++clock, tickPrice[j % QUIET_TICKS] ?? 1);
    if (t.fired.length || t.pending.length || t.raisedTo !== null) busy++;
  });
  if (busy !== 0 || book.size !== n) throw new Error(`${busy} quiet ticks fired or lifted something`);

  // The same automations as a plain array, each evaluated on every tick of its token.
  const flat = watches.map((w, h) => ({ token: names[h % TOKENS] ?? "", w }));
  let scanned = 0;
  const scan = await measure(
    SCAN_TICKS,
    (i) => {
      const j = i < 0 ? -1 - i : i;
      const token = names[j % TOKENS] ?? "";
      const p = tickPrice[j % QUIET_TICKS] ?? 1;
      const hits: number[] = [];
      for (let h = 0; h < flat.length; h++) {
        const a = flat[h];
        if (a && a.token === token && isBeyond(a.w, p)) hits.push(h);
      }
      scanned += hits.length;
    },
    10,
  );
  if (scanned !== 0) throw new Error(`linear scan found ${scanned} firing automations`);
  flat.length = 0;

  // New highs: each token rises by 0.0001% a tick; every trailing stop set at the price rides up at once.
  let rise = 0;
  const lifted = await measure(5_000, () => {
    const j = rise++;
    const k = j % TOKENS;
    const step = Math.floor(j / TOKENS) + 1;
    const t = book.onGoodTick(names[k] ?? "", ++clock, (prices[k] ?? 1) * (1 + 1e-6 * step));
    if ((step > 1 && t.raisedTo === null) || t.fired.length || t.pending.length) throw new Error("a new high lifted nothing, or fired");
  });

  // A tick that fires 1,000 limit sells / take-profits: the lowest levels above the price; re-added untimed.
  const lowestAbove = names.map((_, k) => {
    const hs: number[] = [];
    for (let h = k; h < n; h += TOKENS) {
      const w = watches[h];
      if (w?.kind === "level" && w.side === "above") hs.push(h);
    }
    const level = (h: number) => { const w = watches[h]; return w?.kind === "level" ? w.level : 0; };
    return hs.sort((a, b) => level(a) - level(b)).slice(0, FIRE_BATCH);
  });
  const lat = new Float64Array(FIRE_TICKS);
  let burstTotal = 0;
  for (let i = -20; i < FIRE_TICKS; i++) {
    const k = (i + 20) % TOKENS;
    const batch = lowestAbove[k] ?? [];
    const top = watches[batch[batch.length - 1] ?? 0];
    const p = top?.kind === "level" ? top.level : 0;
    const s = performance.now();
    const out = book.onGoodTick(names[k] ?? "", ++clock, p);
    const e = performance.now();
    if (out.fired.length !== FIRE_BATCH) throw new Error(`burst tick fired ${out.fired.length}, expected ${FIRE_BATCH}`);
    if (i >= 0) {
      lat[i] = e - s;
      burstTotal += e - s;
    }
    for (const f of out.fired) book.add(names[k] ?? "", f.handle, watches[f.handle] ?? { kind: "trail", f: 0.1, high: 1 });
    book.onGoodTick(names[k] ?? "", ++clock, prices[k] ?? 1);
  }
  lat.sort();
  const burst: Measured = { n: FIRE_TICKS, totalMs: burstTotal, opsPerSec: (FIRE_TICKS / burstTotal) * 1000, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) };

  const ratio = scan.p50Ms / ours.p50Ms;
  return [
    row(
      `automations: build ${n.toLocaleString("en-US")} armed automations over ${TOKENS} tokens`,
      null,
      `${Math.round((n / buildMs) * 1000).toLocaleString("en-US")} adds/s (${buildMs.toFixed(0)} ms); index memory ${memMB} MB`,
      { id: "automations.index.build" },
    ),
    row("automations: quiet tick, index (1M armed)", ours, `median ${us(ours.p50Ms)}, fires and lifts nothing`, {
      id: "automations.index.quiet",
      target: (r) => ({ text: `< ${TARGET_US} µs median`, pass: (r.p50Ms ?? Infinity) * 1000 < TARGET_US }),
    }),
    row("automations: quiet tick, linear scan over 1M", scan, `median ${us(scan.p50Ms)}; ${SCAN_TICKS} ticks`, { id: "automations.scan.quiet" }),
    row("automations: quiet tick speed-up (median scan / median index)", null, `${Math.round(ratio).toLocaleString("en-US")}x`, {
      id: "automations.index.speedup",
      target: { text: `>= ${TARGET_RATIO.toLocaleString("en-US")}x the linear scan`, pass: ratio >= TARGET_RATIO },
    }),
    row("automations: new-high tick lifting a token's trailing stops (5,000 each)", lifted, `median ${us(lifted.p50Ms)}: the group's high moves in one step`, { id: "automations.index.lift" }),
    row(
      `automations: tick firing ${FIRE_BATCH.toLocaleString("en-US")} at once`,
      burst,
      `median ${us(burst.p50Ms)} = ${((burst.p50Ms * 1e6) / FIRE_BATCH).toFixed(0)} ns per fired automation (index only; execution is the trade path)`,
      { id: "automations.index.fire" },
    ),
  ];
}
