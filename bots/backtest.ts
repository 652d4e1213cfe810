/**
 * `npm run backtest -- --data data/replay --targets SOL=40,USDC=30,JUP=15,WBTC=10,BONK=5 --band 5 --fee-bps 30`
 * Replays a target allocation over hourly candles with the treasury's planner and compares it with
 * buy-and-hold: a table (or `--json`) on stdout and a PNG of both value series.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { SingleBar } from "cli-progress";
import { PngChartRenderer } from "../adapters/charts/chart-renderer.js";
import { loadReplayColumns } from "../adapters/replay/replay-data.js";
import { parseDuration } from "../core/domain/alert.js";
import type { CandleColumns } from "../core/domain/price.js";
import { backtestJson, bandText, downsample, formatBacktestTable } from "../core/services/backtest-report.js";
import type { BacktestParams } from "../core/services/backtest-report.js";
import { runBacktest } from "../core/services/backtest.service.js";
import type { BacktestInput } from "../core/services/backtest.service.js";
import { COMMON_OPTIONS, dateRange, eachSymbolEntry, FlagError, number, readOptions } from "./backtest-flags.js";

const HELP = `Usage: npm run backtest -- [options]

  --data <dir>            directory of candle CSVs (SOLUSDT_1h.csv, ...)      default data/replay
  --targets SOL=40,...    target weights in percent, summing to 100           (or from --config)
  --band <pp>             band half-width in percentage points                (or from --config)
  --band-rel <pct>        band half-width in percent of each target
  --fee-bps <bps>         modelled cost per swap                              default 30
  --from <date>           first step, YYYY-MM-DD or ISO time (UTC)            default: first candle
  --to <date>             last step; a date alone includes that whole day     default: last candle
  --interval <d>          time between rebalance checks (30m, 1h, 4h, 1d)    default 1h
  --start-usd <usd>       starting value                                      default 10000
  --min-trade-usd <usd>   no swap smaller than this                           default 0
  --max-trade-usd <usd>   split larger swaps into equal chunks                default none
  --config <file>         take targets, band, fee and trade limits from a treasury config
  --out <file.png>        chart of both value series                          default data/backtest.png
  --json                  machine-readable JSON only
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  targets: { type: "string" },
  band: { type: "string" },
  "band-rel": { type: "string" },
  interval: { type: "string" },
  "start-usd": { type: "string" },
  "min-trade-usd": { type: "string" },
  "max-trade-usd": { type: "string" },
  config: { type: "string" },
  out: { type: "string" },
} as const;

function parseTargets(raw: string): Record<string, number> {
  const targets: Record<string, number> = {};
  eachSymbolEntry("targets", raw, "SOL=40", (sym, pct) => {
    if (sym in targets) throw new FlagError(`--targets names ${sym} twice`);
    targets[sym] = Number(pct);
  });
  if (Object.keys(targets).length < 2) throw new FlagError("--targets needs at least 2 assets, e.g. SOL=60,USDC=40");
  const sum = Object.values(targets).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 100) > 0.01) throw new FlagError(`--targets must sum to 100, not ${Math.round(sum * 1e6) / 1e6}`);
  return targets;
}

interface Plan {
  input: Omit<BacktestInput, "series" | "onProgress">;
  params: BacktestParams;
  dataDir: string;
  out: string;
  json: boolean;
}

async function readFlags(argv: string[]): Promise<Plan | "help"> {
  const values = readOptions(argv, OPTIONS);
  if (values.help) return "help";
  // Loaded only for --config: the YAML, cron and schema modules cost about 0.6 s of start-up.
  const cfg = values.config ? (await import("./treasury-config.js")).loadTreasuryConfigFile(values.config) : undefined;
  const targets = values.targets ? parseTargets(values.targets) : cfg ? { ...cfg.targets } : undefined;
  if (!targets) throw new FlagError("give --targets, e.g. --targets SOL=40,USDC=30,JUP=15,WBTC=10,BONK=5 (or --config <file>)");
  const positive = (n: number) => n > 0;
  let bandAbsPct = number("band", values.band, (n) => n > 0 && n <= 50, "a number of percentage points above 0 and at most 50");
  let bandRelPct = number("band-rel", values["band-rel"], (n) => n > 0 && n <= 100, "a percentage above 0 and at most 100");
  if (bandAbsPct === undefined && bandRelPct === undefined) {
    bandAbsPct = cfg?.band.abs_pct;
    bandRelPct = cfg?.band.rel_pct;
  }
  if (bandAbsPct === undefined && bandRelPct === undefined) throw new FlagError("give --band <pp> (e.g. --band 5) or --band-rel <pct>");
  const feeBps = number("fee-bps", values["fee-bps"], (n) => n >= 0 && n < 10_000, "basis points from 0 to 9999") ?? cfg?.fee_bps ?? 30;
  const range = dateRange(values.from, values.to);
  const intervalMs = values.interval === undefined ? 3_600_000 : parseDuration(values.interval);
  if (intervalMs === undefined) throw new FlagError(`--interval must be a duration like 1h, 4h or 1d, not "${values.interval}"`);
  const startUsd = number("start-usd", values["start-usd"], positive, "a number above 0") ?? cfg?.paper_start_usd ?? 10_000;
  const minTradeUsd = number("min-trade-usd", values["min-trade-usd"], (n) => n >= 0, "a number of USD, 0 or more") ?? cfg?.min_trade_usd;
  const maxTradeUsd = number("max-trade-usd", values["max-trade-usd"], positive, "a number above 0") ?? cfg?.max_trade_usd;
  if (minTradeUsd !== undefined && maxTradeUsd !== undefined && maxTradeUsd < minTradeUsd) throw new FlagError("--max-trade-usd must be at least --min-trade-usd");
  const band = { ...(bandAbsPct !== undefined ? { bandAbsPct } : {}), ...(bandRelPct !== undefined ? { bandRelPct } : {}) };
  const limits = { ...(minTradeUsd !== undefined ? { minTradeUsd } : {}), ...(maxTradeUsd !== undefined ? { maxTradeUsd } : {}) };
  return {
    input: { targets, ...band, feeBps, intervalMs, startUsd, ...limits, ...range },
    params: { targets, ...band, feeBps, ...limits },
    dataDir: values.data ?? "data/replay",
    out: values.out ?? "data/backtest.png",
    json: values.json ?? false,
  };
}

/** Candles for every target (and the hub when there is a file for it); a missing file is an error. */
function loadSeries(dir: string, targets: Record<string, number>): Record<string, CandleColumns> {
  // Parsed once, then read from <dir>/.candle-cache/ (binary columns) while the CSVs are unchanged.
  const all = loadReplayColumns(dir, { cache: true });
  const missing = Object.keys(targets).filter((s) => !all.has(s));
  if (missing.length) {
    throw new FlagError(`no candle file for ${missing.join(", ")} in ${dir} (it has ${[...all.keys()].sort().join(", ")})`);
  }
  const series: Record<string, CandleColumns> = {};
  for (const s of [...Object.keys(targets), "USDC"]) {
    const candles = all.get(s);
    if (candles) series[s] = candles;
  }
  return series;
}

export async function main(argv: string[]): Promise<number> {
  let plan: Plan | "help";
  try {
    plan = await readFlags(argv);
  } catch (e) {
    process.stderr.write(`backtest: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (plan === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  const { input, params, out, json } = plan;
  let bar: SingleBar | undefined;
  try {
    const series = loadSeries(plan.dataDir, input.targets);
    if (!json && process.stdout.isTTY) {
      const { SingleBar } = await import("cli-progress"); // a terminal only
      bar = new SingleBar({ format: "backtest [{bar}] {percentage}% | {value}/{total} steps", stream: process.stdout, clearOnComplete: true, hideCursor: true });
    }
    let started = false;
    const result = runBacktest({
      ...input,
      series,
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
    });
    bar?.stop();
    bar = undefined;

    const png = await new PngChartRenderer().lineChart({
      title: "Rebalanced",
      subtitle: `band ${bandText(params)}, fee ${params.feeBps} bps; ${new Date(result.from).toISOString().slice(0, 10)} to ${new Date(result.to).toISOString().slice(0, 10)}`,
      points: downsample(result.series.rebalanced, 1500),
      compare: { label: "Buy and hold", points: downsample(result.series.buyAndHold, 1500) },
      valueLabel: "Portfolio value (USD)",
      width: 1000,
      height: 560,
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, png);

    if (json) process.stdout.write(`${JSON.stringify(backtestJson(result, params, out), null, 2)}\n`);
    else process.stdout.write(`${formatBacktestTable(result, params)}\n\nChart: ${out}\n`);
    return 0;
  } catch (e) {
    bar?.stop();
    process.stderr.write(`backtest: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
