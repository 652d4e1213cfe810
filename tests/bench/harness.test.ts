import { describe, expect, it } from "vitest";
import { betterOf, deriveId, isBusy, measureAlternating, mergeRuns, report, withIds, type BenchRow } from "./harness.js";

/** A row with made-up figures: nothing here is timed. */
const fake = (id: string, f: Partial<BenchRow> = {}): BenchRow & { id: string } => ({
  id,
  name: id,
  opsPerSec: null,
  p50Ms: null,
  p99Ms: null,
  note: "",
  ...f,
});

describe("bench verdicts", () => {
  it("a row without a target has verdict '-' and no target text", () => {
    const [r] = report([fake("router.price.sqlite", { opsPerSec: 9000 })]);
    expect(r).toMatchObject({ id: "router.price.sqlite", verdict: "-", target: null });
  });

  it("a fixed target prints its text and PASS or FAIL as computed", () => {
    const out = report([
      fake("a.met", { target: { text: "< 50 ms", pass: true } }),
      fake("a.missed", { target: { text: "< 50 ms", pass: false } }),
    ]);
    expect(out.map((r) => [r.id, r.target, r.verdict])).toEqual([
      ["a.met", "< 50 ms", "PASS"],
      ["a.missed", "< 50 ms", "FAIL"],
    ]);
  });

  it("a target function judges the row against its baseline row of the same run", () => {
    const atLeast60 = (r: BenchRow, byId: (id: string) => BenchRow | undefined) => {
      const base = byId("baseline.sqlite.insert")?.opsPerSec ?? Infinity;
      return { text: ">= 60% of raw inserts", pass: (r.opsPerSec ?? 0) >= 0.6 * base };
    };
    const judge = (ours: number, raw: number) =>
      report([
        fake("router.whoami.sqlite", { opsPerSec: ours, target: atLeast60 }),
        fake("baseline.sqlite.insert", { opsPerSec: raw }),
      ]).find((r) => r.id === "router.whoami.sqlite")!;
    expect(judge(6_000, 10_000)).toMatchObject({ verdict: "PASS", target: ">= 60% of raw inserts" });
    expect(judge(5_999, 10_000).verdict).toBe("FAIL");
  });
});

describe("bench ids", () => {
  it("rows keep their own id; a row without one gets a lowercase id from its suite and name", () => {
    expect(deriveId("soak", "  Soak: 1,000,000 messages (SQLite)")).toBe("soak.soak_1_000_000_messages_sqlite");
    const rows = withIds("router", [
      { name: "router /whoami", opsPerSec: 1, p50Ms: null, p99Ms: null, note: "", id: "router.whoami.sqlite" },
      { name: "New row", opsPerSec: 1, p50Ms: null, p99Ms: null, note: "" },
      { name: "new row", opsPerSec: 1, p50Ms: null, p99Ms: null, note: "" },
    ]);
    expect(rows.map((r) => r.id)).toEqual(["router.whoami.sqlite", "router.new_row", "router.new_row.2"]);
  });
});

describe("busy machine", () => {
  it("is busy when other processes load more than 3/4 of the cores, or the probe loop ran slow", () => {
    expect(isBusy({ load1: 1.4, probeMs: 10 }, 2, 10)).toBe(false); // this process alone
    expect(isBusy({ load1: 2.6, probeMs: 10 }, 2, 10)).toBe(true); // 1.6 others on 2 cores
    expect(isBusy({ load1: 1.0, probeMs: 15.1 }, 2, 10)).toBe(true); // core shared while we measured
    expect(isBusy({ load1: 1.0, probeMs: 14.9 }, 2, 10)).toBe(false);
  });
});

describe("better of two runs", () => {
  it("keeps more ops/s, else the lower p50, else the lower p99, else the first run", () => {
    const a = fake("x", { opsPerSec: 4_000, p50Ms: 0.1 });
    const b = fake("x", { opsPerSec: 5_000, p50Ms: 0.2 });
    expect(betterOf(a, b)).toBe(b);
    expect(betterOf(b, a)).toBe(b);
    const c = fake("y", { p50Ms: 900, p99Ms: 1000 });
    const d = fake("y", { p50Ms: 800, p99Ms: 1200 });
    expect(betterOf(c, d)).toBe(d);
    expect(betterOf(fake("z", { p99Ms: 3 }), fake("z", { p99Ms: 2 })).p99Ms).toBe(2);
    const e = fake("w", { note: "first" });
    expect(betterOf(e, fake("w", { note: "second" }))).toBe(e);
  });

  it("merges a re-run per id, prints both figures, and judges the row kept", () => {
    const target = (r: BenchRow) => ({ text: ">= 5,000 msg/s", pass: (r.opsPerSec ?? 0) >= 5_000 });
    const first = [
      fake("router.whoami.sqlite", { opsPerSec: 3_000, p50Ms: 0.3, note: "run one", target }),
      fake("baseline.sqlite.insert", { opsPerSec: 90_000, p50Ms: 0.01 }),
      fake("router.only_first"),
    ];
    const second = [
      fake("router.whoami.sqlite", { opsPerSec: 6_000, p50Ms: 0.15, note: "run two", target }),
      fake("baseline.sqlite.insert", { opsPerSec: 80_000, p50Ms: 0.012 }),
      fake("router.only_second"),
    ];
    const merged = mergeRuns(first, second, [true, false]);
    expect(merged.map((r) => r.id)).toEqual(["router.whoami.sqlite", "baseline.sqlite.insert", "router.only_first", "router.only_second"]);
    const [whoami, base] = report(merged);
    expect(whoami).toMatchObject({ opsPerSec: 6_000, verdict: "PASS" });
    expect(whoami!.note).toBe(
      "run two; busy machine, re-run: run 1 (busy) 3,000 ops/s, p50 0.300 ms; run 2 6,000 ops/s, p50 0.150 ms; kept run 2",
    );
    expect(whoami!.runs).toEqual([
      { opsPerSec: 3_000, p50Ms: 0.3, p99Ms: null, busy: true },
      { opsPerSec: 6_000, p50Ms: 0.15, p99Ms: null, busy: false },
    ]);
    expect(base).toMatchObject({ opsPerSec: 90_000 });
    expect(base!.note).toContain("kept run 1");
    expect(report(merged)[2]!.runs).toBeUndefined();
  });
});

describe("side by side", () => {
  it("measureAlternating runs each workload in turn, block by block, after one warm-up block each", async () => {
    const calls: string[] = [];
    const seen = { a: new Set<number>(), b: new Set<number>() };
    const fn = (k: "a" | "b") => (i: number) => {
      calls.push(`${k}${i < 0 ? "w" : ""}`);
      seen[k].add(i);
    };
    const [a, b] = await measureAlternating(3, 2, [fn("a"), fn("b")]);
    expect(calls.join(" ")).toBe("aw aw bw bw a a b b a a b b a a b b");
    expect([...seen.a].filter((i) => i >= 0).sort()).toEqual([0, 1, 2, 3, 4, 5]); // a distinct index per op
    expect(a).toMatchObject({ n: 6 });
    expect(b).toMatchObject({ n: 6 });
    expect(a!.opsPerSec).toBeGreaterThan(0);
  });

  it("refuses a block size that is not a positive integer (indices would collide)", async () => {
    await expect(measureAlternating(2, 62.5, [() => {}])).rejects.toThrow(/positive integer/);
  });
});
