import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadReplayDir } from "../../adapters/replay/replay-data.js";
import type { Candle } from "../../core/domain/price.js";
import { runBacktest } from "../../core/services/backtest.service.js";
import type { BenchRow } from "./harness.js";

const HOUR = 3_600_000;
const YEARS = 3;
const ASSETS = ["SOL", "USDC", "JUP", "WBTC", "BONK", "ETH"] as const;
const TARGETS = { SOL: 35, USDC: 30, JUP: 10, WBTC: 10, BONK: 5, ETH: 10 };

/**
 * Three years of hourly candles from the bundled 2025 H1 history (data/replay, ~4,040 hours per
 * asset): the series is laid end to end until it covers 3 x 365 days, each repetition shifted in
 * time by the series' span and scaled so that its first open equals the previous repetition's last
 * close (prices stay continuous: no jump at the seams; every hour's return is a real one).
 */
export function tiledCandles(history: ReadonlyArray<Candle>, hours: number): Candle[] {
  const first = history[0]!;
  const span = history[history.length - 1]!.t - first.t + HOUR;
  const out: Candle[] = [];
  let scale = 1;
  for (let rep = 0; out.length < hours; rep++) {
    for (const c of history) {
      if (out.length >= hours) break;
      out.push({ t: c.t + rep * span, o: c.o * scale, h: c.h * scale, l: c.l * scale, c: c.c * scale });
    }
    scale = out[out.length - 1]!.c / first.o;
  }
  return out;
}

/** runBacktest over 3 years of hourly candles for 6 assets: median of 5 runs against 2 s. */
export async function backtestBench(): Promise<BenchRow[]> {
  const history = loadReplayDir("data/replay");
  const hours = YEARS * 365 * 24;
  const series = Object.fromEntries(ASSETS.map((s) => [s, tiledCandles(history.get(s)!, hours)]));
  const run = () => runBacktest({ series, targets: TARGETS, bandAbsPct: 5, feeBps: 30, minTradeUsd: 10 });
  run(); // warm-up
  const times: number[] = [];
  let last = run();
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    last = run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[2]!;
  if (last.steps !== hours) throw new Error(`expected ${hours} steps, got ${last.steps}`);
  return [
    ...backtestCliBench(history),
    {
      id: "backtest.service",
      name: `backtest: ${YEARS} years hourly, ${ASSETS.length} assets`,
      opsPerSec: null,
      p50Ms: median,
      p99Ms: times[4]!,
      target: (r) => ({ text: "median < 2 s", pass: (r.p50Ms ?? Infinity) < 2000 }),
      note: `median of 5 runs (p99 column = slowest); ${last.steps.toLocaleString("en-US")} steps, ${last.rebalanced.rebalances} rebalances; 2025 H1 tiled end to end, continuous prices`,
    },
  ];
}

const CLI_YEARS = 3.6;
const CLI_TARGETS = { SOL: 40, USDC: 30, JUP: 15, WBTC: 15 };

/** Writes `years` of tiled hourly candles per symbol as Binance-style CSVs (`SOLUSDT_1h.csv`) in `dir`. */
export function writeTiledCsvDir(dir: string, history: Map<string, Candle[]>, symbols: string[], years: number): number {
  mkdirSync(dir, { recursive: true });
  const hours = Math.round(years * 365 * 24);
  for (const s of symbols) {
    const rows = tiledCandles(history.get(s)!, hours).map((k) => `${new Date(k.t).toISOString().replace(".000Z", "Z")},${k.o},${k.h},${k.l},${k.c},1`);
    writeFileSync(join(dir, `${s}USDT_1h.csv`), `timestamp_utc,open,high,low,close,volume\n${rows.join("\n")}\n`);
  }
  return hours;
}

/** `node <args>` for a package.json script's command (its last `&&` part): `tsx x.ts` runs tsx's CLI, `node x.js` runs as is. */
export function scriptCommand(script: string | undefined): string[] | undefined {
  const words = (script ?? "").split("&&").at(-1)!.trim().split(/\s+/).filter(Boolean);
  if (words[0] === "tsx") return ["node_modules/tsx/dist/cli.mjs", ...words.slice(1)];
  if (words[0] === "node") return words.slice(1);
  return undefined;
}

const TSX = ["node_modules/tsx/dist/cli.mjs", "bots/backtest.ts"];
const COMPILED = ["dist/bots/backtest.js"];

/**
 * `backtest.cli`: the whole backtest command as a process, as `npm run backtest` runs it (the
 * package.json script's command: tsx bots/backtest.ts, or compiled JavaScript once the build
 * lands; npm's own start-up not included) on 3.6 years x 4 assets hourly: median wall time of 5
 * runs against 1 s. Beside it the other form when it exists (tsx, and dist/bots/backtest.js after a
 * build), and the first run, which parses the CSVs and writes their binary cache.
 */
export function backtestCliBench(history: Map<string, Candle[]>): BenchRow[] {
  const dir = mkdtempSync(join(tmpdir(), "purser-backtest-cli-"));
  try {
    const hours = writeTiledCsvDir(join(dir, "data"), history, Object.keys(CLI_TARGETS), CLI_YEARS);
    const targets = Object.entries(CLI_TARGETS).map(([s, w]) => `${s}=${w}`).join(",");
    const flags = ["--data", join(dir, "data"), "--targets", targets, "--band", "5", "--fee-bps", "30", "--out", join(dir, "chart.png"), "--json"];
    const once = (command: string[]) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [...command, ...flags], { encoding: "utf8" });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`backtest command failed (${r.status}): ${r.stderr.slice(0, 300)}`);
      const out = JSON.parse(r.stdout) as { steps?: number };
      if (out.steps !== hours) throw new Error(`expected ${hours} steps, got ${out.steps}`);
      return ms;
    };
    const median5 = (command: string[]) => {
      once(command); // warm-up: tsx's compile cache, the OS file cache
      const times = Array.from({ length: 5 }, () => once(command)).sort((a, b) => a - b);
      return { median: times[2]!, slowest: times[4]! };
    };
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts?: Record<string, string> };
    const script = pkg.scripts?.backtest;
    const main = scriptCommand(script) ?? TSX;
    const shown = (c: string[]) => (c[0] === TSX[0] ? `tsx ${c.slice(1).join(" ")}` : `node ${c.join(" ")}`);
    const what = `${CLI_YEARS} years x ${Object.keys(CLI_TARGETS).length} assets hourly (${hours.toLocaleString("en-US")} steps) from CSV; median of 5 runs (p99 column = slowest)`;
    const rowOf = (id: string, command: string[], target?: BenchRow["target"]): BenchRow => {
      const m = median5(command);
      return { id, name: `backtest command: ${shown(command)}`, opsPerSec: null, p50Ms: m.median, p99Ms: m.slowest, note: `the whole command as a process, start-up included; ${what}`, ...(target ? { target } : {}) };
    };

    // First: a cold run on fresh CSVs (parses them, writes the cache), then the cached runs.
    const cold = once(main);
    const rows: BenchRow[] = [
      rowOf("backtest.cli", main, (r) => ({ text: "median < 1 s", pass: (r.p50Ms ?? Infinity) < 1000 })),
      {
        id: "backtest.cli.cold",
        name: "backtest command, first run (CSV parsed, cache written)",
        opsPerSec: null,
        p50Ms: cold,
        p99Ms: null,
        note: `one run of ${shown(main)} before ${join("<data>", ".candle-cache")} existed`,
      },
    ];
    const same = (a: string[], b: string[]) => a.join(" ") === b.join(" ");
    if (!same(main, TSX)) rows.push(rowOf("backtest.cli.tsx", TSX));
    if (!same(main, COMPILED) && existsSync(COMPILED[0]!)) rows.push(rowOf("backtest.cli.compiled", COMPILED));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
