import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "csv-parse/sync";
import type { Candle } from "../../core/domain/price.js";

/** What loading one CSV found: the candles kept and how many rows were left out, and why. */
export interface CandleCsvReport {
  candles: Candle[];
  /** Rows with a bad time, a non-numeric price or a non-positive price. */
  skipped: number;
  /** Rows whose open time repeats an earlier row (the first one is kept). */
  duplicates: number;
}

const TIME_COLUMNS = ["timestamp_utc", "timestamp", "open_time", "time", "date"] as const;
const PRICE_COLUMNS = ["open", "high", "low", "close"] as const;

// 2025-01-01T00:00:00Z, 2020-08-11 06:00:00 (UTC), 2020-08-11, optional fraction and zone.
const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses a candle time. Date-only and zone-less times are UTC (Binance exports are UTC).
 * All-digit values are epoch seconds (10 digits or fewer) or epoch ms. NaN when unreadable.
 */
export function parseCandleTime(raw: string): number {
  const s = raw.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return s.length <= 10 ? n * 1000 : n;
  }
  const m = TIME_RE.exec(s);
  if (!m) return Number.NaN;
  const [, y, mo, d, hh = "0", mi = "0", ss = "0", frac = "0", zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(hh);
  const minute = Number(mi);
  const second = Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  let t = Date.UTC(Number(y), month - 1, day, hour, minute, second, Number(frac.padEnd(3, "0")));
  // Date.UTC rolls 2025-02-30 over into March: reject instead of moving the candle.
  if (new Date(t).getUTCDate() !== day) return Number.NaN;
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    t -= sign * offsetMin * 60_000;
  }
  return t;
}

const parsePrice = (raw: string | undefined): number => {
  if (raw === undefined) return Number.NaN;
  const s = raw.trim();
  return s === "" ? Number.NaN : Number(s);
};

/**
 * Reads OHLC candles from CSV text with a header row (`timestamp_utc|timestamp, open, high, low,
 * close[, volume]`). Rows that cannot be read are skipped and counted, the rest are sorted by
 * time and de-duplicated. Prices keep full float precision. Throws when the header lacks a column.
 */
export function parseCandleCsv(text: string): CandleCsvReport {
  const rows = parse(text, {
    bom: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
  }) as string[][];

  const header = (rows[0] ?? []).map((h) => h.toLowerCase());
  const timeIdx = TIME_COLUMNS.map((c) => header.indexOf(c)).find((i) => i >= 0) ?? -1;
  const [oIdx, hIdx, lIdx, cIdx] = PRICE_COLUMNS.map((c) => header.indexOf(c)) as [number, number, number, number];
  const missing = PRICE_COLUMNS.filter((c) => !header.includes(c));
  if (timeIdx < 0 || missing.length > 0) {
    const want = [timeIdx < 0 ? ["timestamp_utc or timestamp"] : [], missing].flat().join(", ");
    throw new Error(`candle CSV header "${header.join(",").slice(0, 80)}" lacks ${want}`);
  }

  let skipped = 0;
  const read: Candle[] = [];
  for (const row of rows.slice(1)) {
    const t = parseCandleTime(row[timeIdx] ?? "");
    const o = parsePrice(row[oIdx]);
    const h = parsePrice(row[hIdx]);
    const l = parsePrice(row[lIdx]);
    const c = parsePrice(row[cIdx]);
    const ok = Number.isFinite(t) && [o, h, l, c].every((v) => Number.isFinite(v) && v > 0);
    if (!ok) {
      skipped++;
      continue;
    }
    read.push({ t, o, h, l, c });
  }

  read.sort((a, b) => a.t - b.t); // stable: among equal times the first row in the file stays first
  const candles: Candle[] = [];
  let duplicates = 0;
  for (const candle of read) {
    const last = candles[candles.length - 1];
    if (last && last.t === candle.t) {
      duplicates++;
      continue;
    }
    candles.push(candle);
  }
  return { candles, skipped, duplicates };
}

/** Candles from CSV text: `parseCandleCsv` without the report. */
export function loadCandleCsv(text: string): Candle[] {
  return parseCandleCsv(text).candles;
}

/** `SOLUSDT_1h.csv` -> SOL, `BTCUSDT_1d.csv` -> BTC, `USDCUSDT_1h.csv` -> USDC, `SOL.csv` -> SOL. */
export function symbolFromFileName(fileName: string): string {
  const stem = basename(fileName).replace(/\.csv$/i, "").split(/[_.\-\s]/, 1)[0] ?? "";
  const upper = stem.toUpperCase();
  return upper.length > 4 && upper.endsWith("USDT") ? upper.slice(0, -4) : upper;
}

export interface LoadReplayDirOptions {
  /** Called once per file with what was skipped, so the caller can log it. */
  onFile?: (file: string, symbol: string, report: CandleCsvReport) => void;
}

/**
 * Loads every `*.csv` in `dir` into candles keyed by replay symbol (upper case).
 * Throws a clear Error when the directory cannot be read, holds no CSV, two files name the same
 * symbol, or a file yields no valid candle.
 */
export function loadReplayDir(dir: string, options: LoadReplayDirOptions = {}): Map<string, Candle[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Error(`replay data directory ${dir} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const files = names.filter((n) => n.toLowerCase().endsWith(".csv")).sort();
  if (files.length === 0) throw new Error(`replay data directory ${dir} holds no candle CSV file (*.csv)`);

  const series = new Map<string, Candle[]>();
  const fileOf = new Map<string, string>();
  for (const file of files) {
    const symbol = symbolFromFileName(file);
    if (!symbol) throw new Error(`replay file ${file} in ${dir}: no symbol in the file name`);
    const previous = fileOf.get(symbol);
    if (previous) throw new Error(`replay files ${previous} and ${file} in ${dir} both hold ${symbol}`);
    let report: CandleCsvReport;
    try {
      report = parseCandleCsv(readFileSync(join(dir, file), "utf8"));
    } catch (e) {
      throw new Error(`replay file ${join(dir, file)}: ${(e as Error).message}`, { cause: e });
    }
    if (report.candles.length === 0) {
      throw new Error(`replay file ${join(dir, file)} holds no valid candle (${report.skipped} rows skipped)`);
    }
    options.onFile?.(file, symbol, report);
    fileOf.set(symbol, file);
    series.set(symbol, report.candles);
  }
  return series;
}
