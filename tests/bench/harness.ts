import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A row's target in words and whether this run met it. */
export interface Target {
  text: string;
  pass: boolean;
}

/**
 * A verdict computed once the run is over, from the row kept and the other rows of the same run by id
 * (a baseline row, say): after a busy re-run the figures it judges are the ones printed.
 */
export type TargetFn = (r: BenchRow, byId: (id: string) => BenchRow | undefined) => Target;

export interface BenchRow {
  /** Stable, lowercase `<suite>.<what>[.<variant>]`; derived from the name when a row has none. */
  id?: string;
  name: string;
  /** Operations per second (or null when the row is a single figure). */
  opsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Free text: ratios, memory, counts (the target has its own field). */
  note: string;
  /** What the issue asks of this row; absent when it asks nothing (verdict "-"). */
  target?: Target | TargetFn;
}

export interface Measured {
  n: number;
  totalMs: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Runs `fn(i)` n times sequentially after `warmup` runs; per-op latency and throughput. */
export async function measure(n: number, fn: (i: number) => unknown, warmup = Math.min(500, n)): Promise<Measured> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const lat = new Float64Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    lat[i] = performance.now() - t0;
  }
  return summarize(lat, performance.now() - start);
}

/** A workload's figures from its ops' latencies (sorted here) and its wall time. */
function summarize(lat: Float64Array, totalMs: number): Measured {
  lat.sort();
  const n = lat.length;
  return { n, totalMs, opsPerSec: (n / totalMs) * 1000, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) };
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * `count` ops of `fn`, each in its own turn of the event loop, op k given index `first + k`; with `lat`,
 * each op's latency stored at lat[at + k]. Resolves with the wall time of the whole.
 */
async function turns(fn: (i: number) => unknown, first: number, count: number, lat?: Float64Array, at = 0): Promise<number> {
  const start = performance.now();
  for (let k = 0; k < count; k++) {
    await nextTurn();
    const t0 = performance.now();
    await fn(first + k);
    if (lat) lat[at + k] = performance.now() - t0;
  }
  return performance.now() - start;
}

/**
 * As `measure`, but each op starts in a new turn of the event loop, as a message arriving from a
 * socket does: timers and I/O callbacks due meanwhile run between ops (a loop of awaits that resolve
 * in microtasks never lets them: the app's timed work - its done-mark flush, the WAL checkpoints
 * that flush triggers, the logger's writes - would be skipped, not measured). The baseline a row is
 * compared with is measured the same way, so the turn's own cost is in both.
 */
export async function measureTurns(n: number, fn: (i: number) => unknown, warmup = Math.min(500, n)): Promise<Measured> {
  await turns((i) => fn(-1 - i), 0, warmup);
  const lat = new Float64Array(n);
  return summarize(lat, await turns(fn, 0, n, lat));
}

/**
 * Two (or more) workloads measured side by side: `blocks` rounds, each running a block of `size` ops
 * of every workload in turn (each op in its own turn of the event loop, as measureTurns), after one
 * warm-up block each. Each workload's figures are over all its blocks, so drift during the run - a
 * WAL checkpoint, the disk's or the scheduler's mood, a table growing - falls on every workload
 * alike, where back-to-back phases would hand it to whichever ran at the time. `fns[k](i)` gets a
 * running index, distinct across blocks (negative in warm-up).
 */
export async function measureAlternating(blocks: number, size: number, fns: readonly ((i: number) => unknown)[]): Promise<Measured[]> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`block size must be a positive integer, not ${size}`);
  for (const fn of fns) await turns((i) => fn(-1 - i), 0, size);
  const lat = fns.map(() => new Float64Array(blocks * size));
  const total = fns.map(() => 0);
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < fns.length; k++) total[k]! += await turns(fns[k]!, b * size, size, lat[k], b * size);
  }
  return lat.map((l, k) => summarize(l, total[k]!));
}

export const row = (name: string, m: Measured | null, note = "", extra: Pick<BenchRow, "id" | "target"> = {}): BenchRow => ({
  ...(extra.id ? { id: extra.id } : {}),
  name,
  opsPerSec: m ? m.opsPerSec : null,
  p50Ms: m ? m.p50Ms : null,
  p99Ms: m ? m.p99Ms : null,
  note,
  ...(extra.target ? { target: extra.target } : {}),
});

/** A full GC for memory readings: the global one with --expose-gc, else exposed at run time. */
export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return () => {};
  }
}

/** Settled memory: heap objects plus typed-array backing stores, after full collections. */
export function settledMemory(gc: () => void): { heap: number; buffers: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

/** `router /whoami (SQLite)` -> `router.router_whoami_sqlite`: the id of a row that names none. */
export function deriveId(suite: string, name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return `${suite}.${slug || "row"}`;
}

/** Every row with an id: its own, else one derived from the suite and its name (suffixed if taken). */
export function withIds(suite: string, rows: readonly BenchRow[]): Array<BenchRow & { id: string }> {
  const seen = new Set<string>();
  return rows.map((r) => {
    const base = r.id ?? deriveId(suite, r.name);
    let id = base;
    for (let k = 2; seen.has(id); k++) id = `${base}.${k}`;
    seen.add(id);
    return { ...r, id };
  });
}

/** Machine state around a measurement: the 1-minute load average and a fixed busy loop's time. */
export interface BusySample {
  load1: number;
  probeMs: number;
}

let probeSink = 0;
/** Times a fixed amount of arithmetic: slower than usual when another process shares the core. */
export function probeMs(iterations = 4_000_000): number {
  let x = 0x9e3779b9 ^ probeSink;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  probeSink = x;
  return performance.now() - t0;
}

/**
 * Busy: other processes keep more than 3/4 of the cores runnable (the load average minus this
 * process's own 1), or the fixed loop ran over 1.5x the fastest this process has timed (our core
 * was shared while we measured).
 */
export function isBusy(s: BusySample, cores: number, fastestProbeMs: number): boolean {
  return s.load1 - 1 > cores * 0.75 || s.probeMs > fastestProbeMs * 1.5;
}

type Figures = Pick<BenchRow, "opsPerSec" | "p50Ms" | "p99Ms">;

/** 0 when the two runs cannot be told apart by a figure, else 1 when `a` is better, -1 when `b` is. */
function compareFigures(a: Figures, b: Figures): number {
  if (a.opsPerSec !== null && b.opsPerSec !== null && a.opsPerSec !== b.opsPerSec) return a.opsPerSec > b.opsPerSec ? 1 : -1;
  if (a.p50Ms !== null && b.p50Ms !== null && a.p50Ms !== b.p50Ms) return a.p50Ms < b.p50Ms ? 1 : -1;
  if (a.p99Ms !== null && b.p99Ms !== null && a.p99Ms !== b.p99Ms) return a.p99Ms < b.p99Ms ? 1 : -1;
  return 0;
}

/** The better of two measurements of one row: more ops/s, else lower p50, else lower p99, else the first. */
export function betterOf<R extends BenchRow>(a: R, b: R): R {
  return compareFigures(a, b) < 0 ? b : a;
}

const fig = (r: Figures): string => {
  const parts: string[] = [];
  if (r.opsPerSec !== null) parts.push(`${Math.round(r.opsPerSec).toLocaleString("en-US")} ops/s`);
  if (r.p50Ms !== null) parts.push(`p50 ${r.p50Ms.toFixed(3)} ms`);
  if (r.p99Ms !== null) parts.push(`p99 ${r.p99Ms.toFixed(3)} ms`);
  return parts.length ? parts.join(", ") : "no figure";
};

export type RunFigures = Figures & { busy: boolean };
export type MergedRow = BenchRow & { id: string; runs?: RunFigures[] };

/**
 * A suite measured twice because the machine was busy: per id, the better of the two rows is kept
 * (a row only one run has is kept as it is), and its note says both figures and which was kept.
 */
export function mergeRuns(
  first: ReadonlyArray<BenchRow & { id: string }>,
  second: ReadonlyArray<BenchRow & { id: string }>,
  busy: readonly [boolean, boolean],
): MergedRow[] {
  const again = new Map(second.map((r) => [r.id, r]));
  const out: MergedRow[] = first.map((a) => {
    const b = again.get(a.id);
    if (!b) return a;
    again.delete(a.id);
    const kept = betterOf(a, b);
    const runs: RunFigures[] = [a, b].map((r, i) => ({ opsPerSec: r.opsPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, busy: busy[i]! }));
    const which = kept === a ? 1 : 2;
    const said = `busy machine, re-run: run 1${busy[0] ? " (busy)" : ""} ${fig(a)}; run 2${busy[1] ? " (busy)" : ""} ${fig(b)}; kept run ${which}`;
    return { ...kept, note: kept.note ? `${kept.note}; ${said}` : said, runs };
  });
  return [...out, ...again.values()];
}

export type Verdict = "PASS" | "FAIL" | "-";
export interface ReportRow {
  id: string;
  name: string;
  opsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  target: string | null;
  verdict: Verdict;
  note: string;
  runs?: RunFigures[];
}

/** Each row's verdict, judged on the rows kept (a target function sees its baseline from the same run). */
export function report(rows: readonly MergedRow[]): ReportRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const find = (id: string) => byId.get(id);
  return rows.map((r) => {
    const t = typeof r.target === "function" ? r.target(r, find) : r.target;
    return {
      id: r.id,
      name: r.name,
      opsPerSec: r.opsPerSec,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      target: t ? t.text : null,
      verdict: t ? (t.pass ? "PASS" : "FAIL") : "-",
      note: r.note,
      ...(r.runs ? { runs: r.runs } : {}),
    };
  });
}
