import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "csv-parse/sync";
import { fromCandleColumns, toCandleColumns, type Candle, type CandleColumns } from "../../core/domain/price.js";
import { csvStamp, readCandleCache, writeCandleCache, type CandleColumnsReport } from "./candle-cache.js";

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

/** Column indexes of time, open, high, low, close in a header row; throws naming what is missing. */
function headerColumns(fields: string[]): [number, number, number, number, number] {
  const header = fields.map((h) => h.toLowerCase());
  const timeIdx = TIME_COLUMNS.map((c) => header.indexOf(c)).find((i) => i >= 0) ?? -1;
  const [oIdx, hIdx, lIdx, cIdx] = PRICE_COLUMNS.map((c) => header.indexOf(c)) as [number, number, number, number];
  const missing = PRICE_COLUMNS.filter((c) => !header.includes(c));
  if (timeIdx < 0 || missing.length > 0) {
    const want = [timeIdx < 0 ? ["timestamp_utc or timestamp"] : [], missing].flat().join(", ");
    throw new Error(`candle CSV header "${header.join(",").slice(0, 80)}" lacks ${want}`);
  }
  return [timeIdx, oIdx, hIdx, lIdx, cIdx];
}

/** Sorts the rows read by time (stable: among equal times the first row in the file stays first) and drops repeats. */
function sortedReport(read: Candle[], skipped: number): CandleCsvReport {
  let inOrder = true;
  for (let i = 1; i < read.length && inOrder; i++) inOrder = read[i - 1]!.t < read[i]!.t;
  if (inOrder) return { candles: read, skipped, duplicates: 0 };
  read.sort((a, b) => a.t - b.t);
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

/**
 * `parseCandleCsv` through csv-parse: the general path, for text the single pass does not take
 * (quoted fields, lone CRs, mixed line endings, non-ASCII bytes). Exported so tests can hold the
 * fast path to it.
 */
export function parseCandleCsvGeneral(text: string): CandleCsvReport {
  const rows = parse(text, {
    bom: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
  }) as string[][];

  const [timeIdx, oIdx, hIdx, lIdx, cIdx] = headerColumns(rows[0] ?? []);

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

  return sortedReport(read, skipped);
}

// Text the single pass reads exactly as csv-parse would: printable ASCII, tabs and line feeds, no
// quote (quoted fields, lone CRs, mixed endings and exotic whitespace go the general way).
const NOT_PLAIN = /[^\x20-\x21\x23-\x7e\t\n]/;

/** Two decimal digits at `i`, NaN when either is not a digit. */
function twoDigits(text: string, i: number): number {
  const hi = text.charCodeAt(i) - 48;
  const lo = text.charCodeAt(i + 1) - 48;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : Number.NaN;
}

/** The last day start computed, so that 24 hourly rows share one Date.UTC. */
interface DayCache {
  key: number;
  ms: number;
}

/**
 * Reads the times of a Binance export without a regex: `YYYY-MM-DDTHH:MM:SSZ` (20 characters) or
 * `YYYY-MM-DD HH:MM:SS` (19). Anything else goes to `parseCandleTime`; results are the same, with
 * the day's start (and its validity) computed once per day. (A plain function, not a closure:
 * under tsx every closure created in a loop costs a `__name` call.)
 */
function fastCandleTime(text: string, start: number, end: number, day: DayCache): number {
  const len = end - start;
  const sep = text.charCodeAt(start + 10);
  const last = text.charCodeAt(end - 1);
  const plain =
    (len === 20 ? last === 90 || last === 122 : len === 19) && // Z or z
    text.charCodeAt(start + 4) === 45 && text.charCodeAt(start + 7) === 45 && // -
    (sep === 84 || sep === 116 || sep === 32) && // T, t or space
    text.charCodeAt(start + 13) === 58 && text.charCodeAt(start + 16) === 58; // :
  if (!plain) return parseCandleTime(text.slice(start, end));
  const y = twoDigits(text, start) * 100 + twoDigits(text, start + 2);
  const month = twoDigits(text, start + 5);
  const dom = twoDigits(text, start + 8);
  const hour = twoDigits(text, start + 11);
  const minute = twoDigits(text, start + 14);
  const second = twoDigits(text, start + 17);
  if (!(month >= 1 && month <= 12 && dom >= 1 && dom <= 31 && hour <= 23 && minute <= 59 && second <= 59 && y >= 0)) {
    return Number.isNaN(y + month + dom + hour + minute + second) ? parseCandleTime(text.slice(start, end)) : Number.NaN;
  }
  const key = y * 10_000 + month * 100 + dom;
  if (key !== day.key) {
    day.key = key;
    day.ms = Date.UTC(y, month - 1, dom);
    if (new Date(day.ms).getUTCDate() !== dom) day.ms = Number.NaN; // 2025-02-30
  }
  return day.ms + hour * 3_600_000 + minute * 60_000 + second * 1000;
}

/** A price between two offsets (start -1: the row has no such field), read like `parsePrice`. */
function priceField(text: string, start: number, end: number): number {
  return start < 0 ? Number.NaN : parsePrice(text.slice(start, end));
}

/** A line is blank for csv-parse (trim + skip_empty_lines) when it holds only spaces and tabs. */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 32 && ch !== 9) return false;
  }
  return true;
}

/**
 * One pass over plain text (see NOT_PLAIN; CRLF files are turned into LF first): lines by
 * indexOf, only the five needed fields cut out, times read without a regex. Same candles, skips
 * and errors as the general path.
 */
function parsePlainCandleCsv(text: string): CandleCsvReport {
  let pos = 0;
  let header: string[] | undefined;
  const n = text.length;
  while (pos < n && header === undefined) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    if (!isBlank(text, pos, end)) header = text.slice(pos, end).split(",").map((h) => h.trim());
    pos = end + 1;
  }
  const cols = headerColumns(header ?? []);
  const maxCol = Math.max(...cols);
  const starts = new Int32Array(maxCol + 1);
  const ends = new Int32Array(maxCol + 1);
  const day: DayCache = { key: -1, ms: Number.NaN };
  const [timeIdx, oIdx, hIdx, lIdx, cIdx] = cols;

  let skipped = 0;
  const read: Candle[] = [];
  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    if (isBlank(text, pos, end)) {
      pos = end + 1;
      continue;
    }
    let s = pos;
    for (let k = 0; k <= maxCol; k++) {
      if (s > end) {
        starts[k] = -1;
        continue;
      }
      let e = text.indexOf(",", s);
      if (e < 0 || e > end) e = end;
      starts[k] = s;
      ends[k] = e;
      s = e + 1;
    }
    pos = end + 1;
    let t = Number.NaN;
    if (starts[timeIdx]! >= 0) {
      let a = starts[timeIdx]!;
      let b = ends[timeIdx]!;
      while (a < b && (text.charCodeAt(a) === 32 || text.charCodeAt(a) === 9)) a++;
      while (b > a && (text.charCodeAt(b - 1) === 32 || text.charCodeAt(b - 1) === 9)) b--;
      t = a < b ? fastCandleTime(text, a, b, day) : Number.NaN;
    }
    const o = priceField(text, starts[oIdx]!, ends[oIdx]!);
    const h = priceField(text, starts[hIdx]!, ends[hIdx]!);
    const l = priceField(text, starts[lIdx]!, ends[lIdx]!);
    const c = priceField(text, starts[cIdx]!, ends[cIdx]!);
    if (Number.isFinite(t) && o > 0 && h > 0 && l > 0 && c > 0 && o < Infinity && h < Infinity && l < Infinity && c < Infinity) {
      read.push({ t, o, h, l, c });
    } else {
      skipped++;
    }
  }
  return sortedReport(read, skipped);
}

/**
 * Reads OHLC candles from CSV text with a header row (`timestamp_utc|timestamp, open, high, low,
 * close[, volume]`). Rows that cannot be read are skipped and counted, the rest are sorted by
 * time and de-duplicated. Prices keep full float precision. Throws when the header lacks a column.
 * Plain exports (every bundled file) take a single pass; anything unusual goes through csv-parse.
 */
export function parseCandleCsv(text: string): CandleCsvReport {
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.includes("\r")) {
    // CRLF throughout reads like LF; a lone CR or a mix is csv-parse's to decide.
    const lf = body.split("\n").length - 1;
    const crlf = body.split("\r\n").length - 1;
    const cr = body.split("\r").length - 1;
    if (crlf !== lf || crlf !== cr) return parseCandleCsvGeneral(text);
    body = body.replaceAll("\r\n", "\n");
  }
  if (body.includes('"') || NOT_PLAIN.test(body)) return parseCandleCsvGeneral(text);
  return parsePlainCandleCsv(body);
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

/** What loading one file found, for logging: candles kept, rows left out, and where they were read from. */
export interface CandleFileReport {
  count: number;
  skipped: number;
  duplicates: number;
  from: "csv" | "cache";
}

export interface LoadReplayDirOptions {
  /** Called once per file with what was skipped, so the caller can log it. */
  onFile?: (file: string, symbol: string, report: CandleFileReport) => void;
  /**
   * Keep a binary copy of each parsed CSV in `<dir>/.candle-cache/` and read it instead while the
   * CSV is unchanged (size, mtime, ctime): see candle-cache.ts. Off by default.
   */
  cache?: boolean;
}

/** One CSV's candles as columns: from its binary cache when that matches, else parsed (and cached when asked). */
function loadColumnsFile(path: string, cache: boolean): CandleColumnsReport & { from: "csv" | "cache" } {
  const stamp = cache ? csvStamp(path) : undefined;
  const hit = stamp && readCandleCache(path, stamp);
  if (hit) return { ...hit, from: "cache" };
  const { candles, skipped, duplicates } = parseCandleCsv(readFileSync(path, "utf8"));
  const read = { columns: toCandleColumns(candles), skipped, duplicates };
  if (stamp) writeCandleCache(path, stamp, read);
  return { ...read, from: "csv" };
}

/** One file's candles in the form a loader keeps, with its report. */
type Loaded<T> = { value: T; report: CandleFileReport };

/**
 * Every `*.csv` in `dir` through `load`, keyed by replay symbol (upper case). Throws a clear Error
 * when the directory cannot be read, holds no CSV, two files name the same symbol, or a file yields
 * no valid candle.
 */
function loadEachCsv<T>(dir: string, load: (path: string) => Loaded<T>, options: LoadReplayDirOptions): Map<string, T> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Error(`replay data directory ${dir} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const files = names.filter((n) => n.toLowerCase().endsWith(".csv")).sort();
  if (files.length === 0) throw new Error(`replay data directory ${dir} holds no candle CSV file (*.csv)`);

  const series = new Map<string, T>();
  const fileOf = new Map<string, string>();
  for (const file of files) {
    const symbol = symbolFromFileName(file);
    if (!symbol) throw new Error(`replay file ${file} in ${dir}: no symbol in the file name`);
    const previous = fileOf.get(symbol);
    if (previous) throw new Error(`replay files ${previous} and ${file} in ${dir} both hold ${symbol}`);
    let loaded: Loaded<T>;
    try {
      loaded = load(join(dir, file));
    } catch (e) {
      throw new Error(`replay file ${join(dir, file)}: ${(e as Error).message}`, { cause: e });
    }
    if (loaded.report.count === 0) {
      throw new Error(`replay file ${join(dir, file)} holds no valid candle (${loaded.report.skipped} rows skipped)`);
    }
    options.onFile?.(file, symbol, loaded.report);
    fileOf.set(symbol, file);
    series.set(symbol, loaded.value);
  }
  return series;
}

/** Loads every `*.csv` in `dir` into candles keyed by replay symbol (upper case); errors as `loadEachCsv`. */
export function loadReplayDir(dir: string, options: LoadReplayDirOptions = {}): Map<string, Candle[]> {
  return loadEachCsv(
    dir,
    (path): Loaded<Candle[]> => {
      if (options.cache) {
        const { columns, skipped, duplicates, from } = loadColumnsFile(path, true);
        return { value: fromCandleColumns(columns), report: { count: columns.t.length, skipped, duplicates, from } };
      }
      const { candles, skipped, duplicates } = parseCandleCsv(readFileSync(path, "utf8"));
      return { value: candles, report: { count: candles.length, skipped, duplicates, from: "csv" } };
    },
    options,
  );
}

/**
 * `loadReplayDir` as columns (no object per candle): what the backtest reads years of hourly
 * candles as. With `cache`, a second load reads each file's binary copy straight into the arrays.
 */
export function loadReplayColumns(dir: string, options: LoadReplayDirOptions = {}): Map<string, CandleColumns> {
  return loadEachCsv(
    dir,
    (path): Loaded<CandleColumns> => {
      const { columns, skipped, duplicates, from } = loadColumnsFile(path, options.cache ?? false);
      return { value: columns, report: { count: columns.t.length, skipped, duplicates, from } };
    },
    options,
  );
}
