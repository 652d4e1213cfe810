import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface BenchRow {
  name: string;
  /** Operations per second (or null when the row is a single figure). */
  opsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Free text: targets, ratios, memory. */
  note: string;
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
  const totalMs = performance.now() - start;
  lat.sort();
  return { n, totalMs, opsPerSec: (n / totalMs) * 1000, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) };
}

export const row = (name: string, m: Measured | null, note = ""): BenchRow => ({
  name,
  opsPerSec: m ? m.opsPerSec : null,
  p50Ms: m ? m.p50Ms : null,
  p99Ms: m ? m.p99Ms : null,
  note,
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
