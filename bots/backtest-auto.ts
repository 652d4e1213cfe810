/**
 * `npm run backtest:auto -- --rules "stop SOL at 205; tp SOL at 240" --hold SOL=10,USDC=1000 --from 2025-01-07`
 * Replays automation rules (the chat syntax: limit, stop, tp, trail, dca) over candles with a
 * starting holding and prints every fill, PnL and fees beside buy-and-hold. The simulation is
 * core/services/automation-backtest.service.ts; this file only reads flags and prints.
 */
import { loadReplayDir } from "../adapters/replay/replay-data.js";
import { UserError } from "../core/errors.js";
import { automationBacktestJson, formatAutomationBacktest } from "../core/services/automation-backtest-report.js";
import { runAutomationBacktest } from "../core/services/automation-backtest.service.js";
import { COMMON_OPTIONS, dateRange, eachSymbolEntry, FlagError, number, readOptions } from "./backtest-flags.js";

const HELP = `Usage: npm run backtest:auto -- --rules "<rule>; <rule>; ..." [options]

  --rules "<rules>"       automation rules separated by ";" or new lines, as in chat:
                            "limit buy SOL 100 at 200", "limit sell SOL 50% at 250",
                            "stop SOL at 205", "tp SOL at 20% 50%", "trail SOL 10%",
                            "dca SOL 100 every 6h times 3"
  --hold SOL=10,USDC=1000 starting holding                  default $10,000 of each token traded + 10,000 USDC
  --from <date>           when the rules are set (first step), YYYY-MM-DD or ISO time (UTC)   default: first candle
  --to <date>             last step; a date alone includes that whole day    default: last candle
  --fee-bps <bps>         modelled cost per fill                            default 30
  --data <dir>            directory of candle CSVs                          default data/replay
  --json                  machine-readable JSON only
`;

const OPTIONS = { ...COMMON_OPTIONS, rules: { type: "string" }, hold: { type: "string" } } as const;

function parseHold(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  eachSymbolEntry("hold", raw, "SOL=10", (sym, amount) => {
    out[sym] = amount;
  });
  if (!Object.keys(out).length) throw new FlagError("--hold needs at least one entry, e.g. SOL=10,USDC=1000");
  return out;
}

function readFlags(argv: string[]) {
  const values = readOptions(argv, OPTIONS);
  if (values.help) return "help" as const;
  const rules = (values.rules ?? "").split(/[;\n]/).map((s) => s.trim()).filter(Boolean);
  if (!rules.length) throw new FlagError('give --rules, e.g. --rules "stop SOL at 205; dca SOL 100 every 6h times 3"');
  const feeBps = number("fee-bps", values["fee-bps"], (n) => n >= 0 && n < 10_000, "basis points from 0 to 9999") ?? 30;
  const range = dateRange(values.from, values.to);
  return {
    rules,
    feeBps,
    ...(values.hold !== undefined ? { holding: parseHold(values.hold) } : {}),
    ...range,
    dataDir: values.data ?? "data/replay",
    json: values.json ?? false,
  };
}

export function main(argv: string[]): number {
  try {
    const plan = readFlags(argv);
    if (plan === "help") {
      process.stdout.write(HELP);
      return 0;
    }
    const { dataDir, json, ...input } = plan;
    const series = Object.fromEntries(loadReplayDir(dataDir, { cache: true }));
    const result = runAutomationBacktest({ ...input, series });
    process.stdout.write(json ? `${JSON.stringify(automationBacktestJson(result), null, 2)}\n` : `${formatAutomationBacktest(result)}\n`);
    return 0;
  } catch (e) {
    const known = e instanceof FlagError || e instanceof UserError;
    process.stderr.write(`backtest:auto: ${e instanceof Error ? (known ? e.message : e.message.split("\n")[0]) : String(e)}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
