/** Flag reading shared by the two backtest scripts (`npm run backtest`, `npm run backtest:auto`). */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseCandleTime } from "../adapters/replay/replay-data.js";

/** A flag the user got wrong: its message is printed as it is, after the script's name. */
export class FlagError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The flags both scripts take: candle directory, date range, modelled fee, JSON output, help. */
export const COMMON_OPTIONS = {
  data: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  "fee-bps": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The flags given (strict: no positionals, no unknown flag), or a FlagError that says which one is off. */
export function readOptions<const O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    throw new FlagError(unknown ? `unknown flag ${unknown[1]} (see --help)` : (msg.split(".")[0] ?? msg));
  }
}

/** A number flag (undefined when not given) that must pass `check`; `want` says what it must be. */
export function number(flag: string, raw: string | undefined, check: (n: number) => boolean, want: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) throw new FlagError(`--${flag} must be ${want}, not "${raw}"`);
  return n;
}

/** Each `SYM=number` entry of a list like `SOL=40,USDC=30`, in order, the symbol upper-cased; `example` shows the shape. */
export function eachSymbolEntry(flag: string, raw: string, example: string, take: (symbol: string, amount: string) => void): void {
  for (const part of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9]{2,10})=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m?.[1] || !m[2]) throw new FlagError(`--${flag} entry "${part}" must look like ${example}`);
    take(m[1].toUpperCase(), m[2]);
  }
}

function parseDate(flag: "from" | "to", raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const t = /^\d{4}-\d{2}-\d{2}/.test(raw.trim()) ? parseCandleTime(raw) : Number.NaN;
  if (!Number.isFinite(t)) throw new FlagError(`--${flag} "${raw}" is not a date (use YYYY-MM-DD or an ISO time, UTC)`);
  // "--to 2025-06-01" means through the end of that day.
  return flag === "to" && /^\d{4}-\d{2}-\d{2}$/.test(raw.trim()) ? t + 86_400_000 - 1 : t;
}

/** `--from` and `--to` as epoch ms (UTC), each only when given; `--from` must come before `--to`. */
export function dateRange(rawFrom: string | undefined, rawTo: string | undefined): { from?: number; to?: number } {
  const from = parseDate("from", rawFrom);
  const to = parseDate("to", rawTo);
  if (from !== undefined && to !== undefined && from >= to) throw new FlagError(`--from ${rawFrom} must be before --to ${rawTo}`);
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}
