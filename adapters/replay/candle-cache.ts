import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { CandleColumns } from "../../core/domain/price.js";

/**
 * A binary copy of a parsed candle CSV, so that a second load reads five Float64Arrays instead of
 * parsing text: `<dir>/.candle-cache/<file>.f64` beside the CSV (gitignored). The file is one
 * Float64Array: a header (magic, format version, the CSV's size, mtime and ctime when it was read,
 * the candle count, rows skipped, duplicates), then the times, opens, highs, lows and closes, each
 * `count` long. It is used only while the CSV's size, mtime and ctime are the ones recorded (an edit,
 * a copy over it or a touch rebuilds it); a cache that cannot be written (a read-only directory) is
 * skipped, never an error.
 */
export const CANDLE_CACHE_DIR = ".candle-cache";

const MAGIC = 0x50_55_52_53_43_31; // "PURSC1" as a number: also catches a foreign byte order
/** Bump when parsing rules change what a CSV yields: old caches are then rebuilt. */
const VERSION = 1;
const HEADER = 8;

/** One CSV's candles as columns, with what parsing it left out (see CandleCsvReport). */
export interface CandleColumnsReport {
  columns: CandleColumns;
  skipped: number;
  duplicates: number;
}

/** The CSV's identity as the cache records it. */
export interface CsvStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export const stampOf = (s: Stats): CsvStamp => ({ size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs });

export const cachePathFor = (csvPath: string) => join(dirname(csvPath), CANDLE_CACHE_DIR, `${basename(csvPath)}.f64`);

/** The cached candles when the cache matches the CSV's stamp; undefined when absent, stale or unreadable. */
export function readCandleCache(csvPath: string, stamp: CsvStamp): CandleColumnsReport | undefined {
  let fd: number;
  try {
    fd = openSync(cachePathFor(csvPath), "r");
  } catch {
    return undefined;
  }
  try {
    const bytes = fstatSync(fd).size;
    if (bytes < HEADER * 8 || bytes % 8 !== 0) return undefined;
    const all = new Float64Array(bytes / 8);
    const view = new Uint8Array(all.buffer);
    for (let off = 0; off < bytes; ) {
      const got = readSync(fd, view, off, bytes - off, off);
      if (got <= 0) return undefined;
      off += got;
    }
    const [magic, version, size, mtimeMs, ctimeMs, count, skipped, duplicates] = all;
    if (magic !== MAGIC || version !== VERSION) return undefined;
    if (size !== stamp.size || mtimeMs !== stamp.mtimeMs || ctimeMs !== stamp.ctimeMs) return undefined;
    const n = count!;
    if (!(Number.isInteger(n) && n > 0 && all.length === HEADER + 5 * n)) return undefined;
    const col = (k: number) => all.subarray(HEADER + k * n, HEADER + (k + 1) * n);
    return { columns: { t: col(0), o: col(1), h: col(2), l: col(3), c: col(4) }, skipped: skipped!, duplicates: duplicates! };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the cache for a CSV read with `stamp` (taken before it was read: a CSV changed while it
 * was being read no longer matches, and is read again next time). Written to a temporary name and
 * renamed, so a reader never sees half a file. Returns false when it could not be written.
 */
export function writeCandleCache(csvPath: string, stamp: CsvStamp, read: CandleColumnsReport): boolean {
  const { t, o, h, l, c } = read.columns;
  const n = t.length;
  if (n === 0) return false;
  const all = new Float64Array(HEADER + 5 * n);
  all.set([MAGIC, VERSION, stamp.size, stamp.mtimeMs, stamp.ctimeMs, n, read.skipped, read.duplicates]);
  [t, o, h, l, c].forEach((col, k) => all.set(col, HEADER + k * n));
  const path = cachePathFor(csvPath);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, all);
    renameSync(tmp, path);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing was written
    }
    return false;
  }
}

/** The CSV's stamp, or undefined when it cannot be stat'ed (the reader then reports the error). */
export function csvStamp(csvPath: string): CsvStamp | undefined {
  try {
    return stampOf(statSync(csvPath));
  } catch {
    return undefined;
  }
}
