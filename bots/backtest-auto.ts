/**
 * `npm run backtest:auto -- --rules "stop SOL at 205; tp SOL at 240" --hold SOL=10,USDC=1000 --from 2025-01-07`
 * Replays automation rules (the chat syntax: limit, stop, tp, trail, dca) over candles with a
 * starting holding and prints every fill, PnL and fees beside buy-and-hold. The simulation is
 * core/services/automation-backtest.service.ts; this file only reads flags and prints.
 */
import { parseArgs } from "node:util";
import { loadReplayDir, parseCandleTime } from "../adapters/replay/replay-data.js";
import { UserError } from "../core/errors.js";
import { automationBacktestJson, formatAutomationBacktest } from "../core/services/automation-backtest-report.js";
import { runAutomationBacktest } from "../core/services/automation-backtest.service.js";

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

const OPTIONS = {
  rules: { type: "string" },
  hold: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  "fee-bps": { type: "string" },
  data: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

class FlagError extends Error {}

function parseHold(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9]{2,10})=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m?.[1] || !m[2]) throw new FlagError(`--hold entry "${part}" must look like SOL=10`);
    out[m[1].toUpperCase()] = m[2];
  }
  if (!Object.keys(out).length) throw new FlagError("--hold needs at least one entry, e.g. SOL=10,USDC=1000");
  return out;
}

function parseDate(flag: "from" | "to", raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const t = /^\d{4}-\d{2}-\d{2}/.test(raw.trim()) ? parseCandleTime(raw) : Number.NaN;
  if (!Number.isFinite(t)) throw new FlagError(`--${flag} "${raw}" is not a date (use YYYY-MM-DD or an ISO time, UTC)`);
  return flag === "to" && /^\d{4}-\d{2}-\d{2}$/.test(raw.trim()) ? t + 86_400_000 - 1 : t;
}

function readFlags(argv: string[]) {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>["values"];
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    throw new FlagError(unknown ? `unknown flag ${unknown[1]} (see --help)` : (msg.split(".")[0] ?? msg));
  }
  if (values.help) return "help" as const;
  const rules = (values.rules ?? "").split(/[;\n]/).map((s) => s.trim()).filter(Boolean);
  if (!rules.length) throw new FlagError('give --rules, e.g. --rules "stop SOL at 205; dca SOL 100 every 6h times 3"');
  const feeRaw = values["fee-bps"];
  const feeBps = feeRaw === undefined ? 30 : Number(feeRaw);
  if (!Number.isFinite(feeBps) || feeBps < 0 || feeBps >= 10_000 || feeRaw?.trim() === "") throw new FlagError(`--fee-bps must be basis points from 0 to 9999, not "${feeRaw}"`);
  const from = parseDate("from", values.from);
  const to = parseDate("to", values.to);
  if (from !== undefined && to !== undefined && from >= to) throw new FlagError(`--from ${values.from} must be before --to ${values.to}`);
  return {
    rules,
    feeBps,
    ...(values.hold !== undefined ? { holding: parseHold(values.hold) } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
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
    const series = Object.fromEntries(loadReplayDir(dataDir));
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
