import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CANDLE_CACHE_DIR, cachePathFor } from "../../../adapters/replay/candle-cache.js";
import { loadReplayColumns, loadReplayDir, type CandleFileReport } from "../../../adapters/replay/replay-data.js";
import { fromCandleColumns } from "../../../core/domain/price.js";
import { runBacktest } from "../../../core/services/backtest.service.js";

const REPLAY_DIR = fileURLToPath(new URL("../../../data/replay", import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "purser-candle-cache-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Loads `dir` as columns through the cache; what each file reported, by symbol. */
function load(dir: string) {
  const reports = new Map<string, CandleFileReport>();
  const columns = loadReplayColumns(dir, { cache: true, onFile: (_f, sym, r) => reports.set(sym, r) });
  return { columns, reports, from: [...reports.values()].map((r) => r.from) };
}

const CSV = (rows: string[]) => `timestamp_utc,open,high,low,close,volume\n${rows.join("\n")}\n`;

describe("binary candle cache", () => {
  it("gives the same candles as the CSVs, from the second load on", () => {
    const dir = tempDir();
    for (const f of readdirSync(REPLAY_DIR).filter((n) => n.endsWith(".csv"))) copyFileSync(join(REPLAY_DIR, f), join(dir, f));
    const fromCsv = loadReplayDir(dir);

    const first = load(dir);
    expect(new Set(first.from)).toEqual(new Set(["csv"]));
    expect(readdirSync(join(dir, CANDLE_CACHE_DIR)).sort()).toEqual(readdirSync(dir).filter((n) => n.endsWith(".csv")).map((n) => `${n}.f64`).sort());
    const second = load(dir);
    expect(new Set(second.from)).toEqual(new Set(["cache"]));

    expect([...second.columns.keys()].sort()).toEqual([...fromCsv.keys()].sort());
    for (const [sym, candles] of fromCsv) {
      expect(fromCandleColumns(second.columns.get(sym)!), sym).toEqual(candles);
      expect(second.reports.get(sym), sym).toEqual({ count: candles.length, skipped: 0, duplicates: 0, from: "cache" });
    }
    // The object loader through the cache too.
    expect(loadReplayDir(dir, { cache: true })).toEqual(fromCsv);
  });

  it("keeps what parsing left out: skipped rows and duplicates are reported from the cache as from the CSV", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "SOLUSDT_1h.csv"), CSV(["2025-01-01T01:00:00Z,2,2,2,2,1", "2025-01-01T00:00:00Z,1,1,1,1,1", "bad,1,1,1,1,1", "2025-01-01T00:00:00Z,9,9,9,9,1"]));
    const first = load(dir).reports.get("SOL");
    const second = load(dir);
    expect(first).toEqual({ count: 2, skipped: 1, duplicates: 1, from: "csv" });
    expect(second.reports.get("SOL")).toEqual({ ...first, from: "cache" });
    expect(fromCandleColumns(second.columns.get("SOL")!)).toEqual([
      { t: Date.UTC(2025, 0, 1, 0), o: 1, h: 1, l: 1, c: 1 },
      { t: Date.UTC(2025, 0, 1, 1), o: 2, h: 2, l: 2, c: 2 },
    ]);
  });

  it("is rebuilt when the CSV changes: a new size, or the same size with the old mtime put back", () => {
    const dir = tempDir();
    const csv = join(dir, "SOLUSDT_1h.csv");
    writeFileSync(csv, CSV(["2025-01-01T00:00:00Z,1,1,1,1,1"]));
    load(dir);
    expect(load(dir).from).toEqual(["cache"]);

    writeFileSync(csv, CSV(["2025-01-01T00:00:00Z,1,1,1,1,1", "2025-01-01T01:00:00Z,2,2,2,2,1"]));
    const grown = load(dir);
    expect(grown.from).toEqual(["csv"]);
    expect(Array.from(grown.columns.get("SOL")!.c)).toEqual([1, 2]);
    expect(load(dir).from).toEqual(["cache"]);

    // Same length, same mtime: an edit in place that a copy tool stamped with the old time.
    const before = statSync(csv);
    writeFileSync(csv, CSV(["2025-01-01T00:00:00Z,1,1,1,1,1", "2025-01-01T01:00:00Z,3,3,3,3,1"]));
    utimesSync(csv, before.atime, before.mtime);
    expect(statSync(csv).size).toBe(before.size);
    const edited = load(dir);
    expect(edited.from).toEqual(["csv"]);
    expect(Array.from(edited.columns.get("SOL")!.c)).toEqual([1, 3]);
    expect(Array.from(load(dir).columns.get("SOL")!.c)).toEqual([1, 3]);
  });

  it("ignores a damaged cache (and rewrites it), and loads without one when it cannot be written", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "SOLUSDT_1h.csv"), CSV(["2025-01-01T00:00:00Z,1,1,1,1,1", "2025-01-01T01:00:00Z,2,2,2,2,1"]));
    load(dir);
    const cache = cachePathFor(join(dir, "SOLUSDT_1h.csv"));
    truncateSync(cache, statSync(cache).size - 8);
    expect(load(dir).from).toEqual(["csv"]);
    expect(load(dir).from).toEqual(["cache"]);
    writeFileSync(cache, "not a cache at all, just text");
    expect(Array.from(load(dir).columns.get("SOL")!.c)).toEqual([1, 2]);

    const blocked = tempDir();
    writeFileSync(join(blocked, "SOLUSDT_1h.csv"), readFileSync(join(dir, "SOLUSDT_1h.csv")));
    writeFileSync(join(blocked, CANDLE_CACHE_DIR), "a file where the cache directory would go");
    expect(load(blocked).from).toEqual(["csv"]);
    const again = load(blocked);
    expect(again.from).toEqual(["csv"]);
    expect(Array.from(again.columns.get("SOL")!.c)).toEqual([1, 2]);
  });

  it("gives the backtest the same result as candle objects", () => {
    const input = { targets: { SOL: 40, USDC: 30, JUP: 15, WBTC: 15 }, bandAbsPct: 5, feeBps: 30, minTradeUsd: 10 };
    const objects = Object.fromEntries(loadReplayDir(REPLAY_DIR));
    const columns = Object.fromEntries(loadReplayColumns(REPLAY_DIR));
    expect(runBacktest({ ...input, series: columns })).toEqual(runBacktest({ ...input, series: objects }));
  });
});
