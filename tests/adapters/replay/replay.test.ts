import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadCandleCsv, loadReplayDir, parseCandleCsv } from "../../../adapters/replay/replay-data.js";
import { ReplayMarket } from "../../../adapters/replay/replay-market.js";
import { BUILTIN_TOKENS } from "../../../core/domain/builtin-tokens.js";
import type { Candle } from "../../../core/domain/price.js";
import type { Token } from "../../../core/domain/token.js";

const REPLAY_DIR = fileURLToPath(new URL("../../../data/replay", import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const JAN1 = Date.UTC(2025, 0, 1);
const LAST = Date.UTC(2025, 5, 18, 7);

const token = (symbol: string): Token => {
  const t = BUILTIN_TOKENS.find((b) => b.symbol === symbol);
  if (!t) throw new Error(`no builtin ${symbol}`);
  return t;
};
const SOL = token("SOL");
const BONK = token("BONK");

const series = loadReplayDir(REPLAY_DIR);

/** A clock the test moves by hand, like the real one but frozen between steps. */
function fakeClock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

async function priceOf(market: ReplayMarket, tok: Token) {
  return (await market.getPrices([tok])).get(tok.mint);
}

describe("bundled replay data", () => {
  it("holds seven symbols of 4,040 hourly candles from 2025-01-01 to 2025-06-18 07:00", () => {
    expect([...series.keys()].sort()).toEqual(["BONK", "BTC", "ETH", "JUP", "SOL", "USDC", "WBTC"]);
    for (const [symbol, candles] of series) {
      expect(candles, symbol).toHaveLength(4040);
      expect(candles[0]!.t, symbol).toBe(JAN1);
      expect(candles.at(-1)!.t, symbol).toBe(LAST);
    }
    expect(series.get("SOL")![0]).toEqual({ t: JAN1, o: 189.31, h: 192.66, l: 189.08, c: 192.54 });
  });

  it("keeps BONK's tiny prices exactly as written", () => {
    expect(series.get("BONK")![0]!.c).toBe(0.00003085);
    expect(series.get("BONK")![1]!.l).toBe(0.0000303);
  });

  it("refuses a directory without CSV files, naming it", () => {
    const empty = mkdtempSync(join(tmpdir(), "purser-replay-"));
    try {
      writeFileSync(join(empty, "README.md"), "nothing here");
      expect(() => loadReplayDir(empty)).toThrow(/purser-replay-.* holds no candle CSV/);
      expect(() => loadReplayDir(join(empty, "missing"))).toThrow(/cannot be read/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("candle CSV loader", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("reads the ISO spelling with timestamp_utc", () => {
    const candles = loadCandleCsv(
      "timestamp_utc,open,high,low,close,volume\n2025-01-01T00:00:00Z,1,2,0.5,1.5,10\n2025-01-01T01:00:00Z,1.5,2,1,1.8,10\n",
    );
    expect(candles).toEqual([
      { t: JAN1, o: 1, h: 2, l: 0.5, c: 1.5 },
      { t: JAN1 + HOUR, o: 1.5, h: 2, l: 1, c: 1.8 },
    ]);
  });

  it("reads `timestamp` with a space-separated time as UTC, keeping a gap", () => {
    const candles = loadCandleCsv(
      "timestamp,open,high,low,close,volume\r\n2020-08-11 06:00:00,2.85,3.47,2.85,2.9515,1\r\n2020-08-11 09:00:00,2.9,3,2.8,2.95,1\r\n",
    );
    expect(candles.map((c) => c.t)).toEqual([Date.UTC(2020, 7, 11, 6), Date.UTC(2020, 7, 11, 9)]);
    expect(candles[0]!.c).toBe(2.9515);
  });

  it("reads date-only daily candles as UTC midnight", () => {
    const candles = loadCandleCsv("timestamp,open,high,low,close,volume\n2017-08-17,4261.48,4485.39,4200.74,4285.08,795\n");
    expect(candles).toEqual([{ t: Date.UTC(2017, 7, 17), o: 4261.48, h: 4485.39, l: 4200.74, c: 4285.08 }]);
  });

  it("skips and counts unreadable rows, sorts by time and drops repeated times", () => {
    const report = parseCandleCsv(
      [
        "timestamp_utc,open,high,low,close,volume",
        "2025-01-01T02:00:00Z,3,3,3,3,1",
        "2025-01-01T00:00:00Z,1,1,1,1,1",
        "2025-01-01T03:00:00Z,abc,4,4,4,1",
        "2025-01-01T04:00:00Z,4,4,4,0,1",
        "2025-01-01T05:00:00Z,4,4,4,-2,1",
        "not a time,4,4,4,4,1",
        "2025-01-01T06:00:00Z,4,4,4,,1",
        "2025-01-01T00:00:00Z,9,9,9,9,1",
        "2025-01-01T01:00:00Z,2,2,2,2,1",
      ].join("\n"),
    );
    expect(report.candles.map((c) => [c.t - JAN1, c.c])).toEqual([
      [0, 1],
      [HOUR, 2],
      [2 * HOUR, 3],
    ]);
    expect(report.skipped).toBe(5);
    expect(report.duplicates).toBe(1);
  });

  it("says which column is missing from the header", () => {
    expect(() => loadCandleCsv("when,open,high,low,close\n2025-01-01,1,1,1,1\n")).toThrow(/timestamp/);
    expect(() => loadCandleCsv("timestamp,open,high,low\n2025-01-01,1,1,1\n")).toThrow(/close/);
  });

  it("names symbols after the file: SOLUSDT_1h -> SOL, BTCUSDT_1d -> BTC", () => {
    dir = mkdtempSync(join(tmpdir(), "purser-replay-"));
    writeFileSync(join(dir, "BTCUSDT_1d.csv"), "timestamp,open,high,low,close,volume\n2017-08-17,1,1,1,1,1\n");
    writeFileSync(join(dir, "SOLUSDT_1h.csv"), "timestamp,open,high,low,close,volume\n2020-08-11 06:00:00,1,1,1,1,1\n");
    expect([...loadReplayDir(dir).keys()].sort()).toEqual(["BTC", "SOL"]);
  });
});

describe("ReplayMarket", () => {
  it("starts at the first candle: SOL shows its first close, labelled replay at 2025-01-01", async () => {
    const market = new ReplayMarket({ series, clock: fakeClock() });
    expect(market.name).toBe("replay");
    expect(market.kind).toBe("replay");
    expect(market.range()).toEqual({ from: JAN1, to: LAST });
    const quote = await priceOf(market, SOL);
    expect(quote).toMatchObject({ mint: SOL.mint, usd: 192.54, source: "replay", replay: true, at: JAN1 });
    expect(quote?.change24hPct).toBeUndefined(); // no day before the data starts
  });

  it("interpolates halfway between two hourly closes", async () => {
    const clock = fakeClock();
    const market = new ReplayMarket({ series, clock });
    clock.t += HOUR / 2; // speed 1: half an hour of replay
    const quote = await priceOf(market, SOL);
    expect(quote?.usd).toBeCloseTo((192.54 + 190.7) / 2, 10);
    expect(quote?.at).toBe(JAN1 + HOUR / 2);
  });

  it("plays an hour per real second at speed 3600", async () => {
    const clock = fakeClock();
    const market = new ReplayMarket({ series, clock, speed: 3600 });
    clock.t += 1000;
    expect(market.now()).toBe(JAN1 + HOUR);
    expect((await priceOf(market, SOL))?.usd).toBe(190.7);
    clock.t += 23_000;
    expect((await priceOf(market, SOL))?.usd).toBe(196.25); // 2025-01-02 00:00
  });

  it("reports the change against 24 hours earlier", async () => {
    const market = new ReplayMarket({ series, clock: fakeClock(), start: JAN1 + DAY });
    const quote = await priceOf(market, SOL);
    expect(quote?.usd).toBe(196.25);
    expect(quote?.change24hPct).toBeCloseTo(((196.25 - 192.54) / 192.54) * 100, 10);
    expect(quote?.change24hPct).toBeCloseTo(1.9269, 3);
  });

  it("wraps back to the first candle after the last one", async () => {
    const clock = fakeClock();
    const market = new ReplayMarket({ series, clock, start: LAST - HOUR, speed: 3600 });
    expect((await priceOf(market, SOL))?.usd).toBe(147.23);
    clock.t += 999; // just before the last candle
    expect((await priceOf(market, SOL))?.usd).toBeGreaterThan(147.23);
    clock.t += 1; // reaches the end: playback starts over
    const quote = await priceOf(market, SOL);
    expect(quote?.at).toBe(JAN1);
    expect(quote?.usd).toBe(192.54);
    clock.t += 1000;
    expect((await priceOf(market, SOL))?.usd).toBe(190.7);
  });

  it("prices every token that has a series, keyed by mint, with BONK-scale precision", async () => {
    const market = new ReplayMarket({ series, clock: fakeClock() });
    const prices = await market.getPrices(BUILTIN_TOKENS);
    const bySymbol = Object.fromEntries(BUILTIN_TOKENS.map((t) => [t.symbol, prices.get(t.mint)?.usd]));
    expect(bySymbol).toMatchObject({ SOL: 192.54, BONK: 0.00003085, WBTC: 94210.36, WETH: 3363.7, USDC: 1.0019, JUP: 0.8395 });
    // Tokens without bundled history are absent, not zero.
    for (const symbol of ["USDT", "WIF", "JTO", "PYTH", "RAY"]) expect(prices.has(token(symbol).mint), symbol).toBe(false);
    expect(prices.size).toBe(6);
  });

  it("leaves an unknown token out", async () => {
    const market = new ReplayMarket({ series, clock: fakeClock() });
    const stranger: Token = { symbol: "XYZ", name: "Unknown", mint: "Xyz1111111111111111111111111111111111111111", decimals: 6, verified: false, replaySymbol: "XYZ" };
    expect((await market.getPrices([stranger, SOL])).has(stranger.mint)).toBe(false);
    expect(await market.history(stranger, JAN1, JAN1 + DAY, HOUR)).toEqual([]);
  });

  it("gives 7 days of hourly candles unchanged", async () => {
    const market = new ReplayMarket({ series, clock: fakeClock() });
    const candles = await market.history(SOL, JAN1, JAN1 + 7 * DAY, HOUR);
    expect(candles).toHaveLength(169); // both ends included
    expect(candles[0]).toEqual(series.get("SOL")![0]);
    expect(candles.at(-1)!.t).toBe(JAN1 + 7 * DAY);
    expect(candles.every((c, i) => i === 0 || c.t - candles[i - 1]!.t === HOUR)).toBe(true);
  });

  it("merges 90 days into daily candles: first open, highest high, lowest low, last close", async () => {
    const market = new ReplayMarket({ series, clock: fakeClock() });
    const days = await market.history(SOL, JAN1, JAN1 + 90 * DAY - 1, DAY);
    expect(days).toHaveLength(90);
    expect(days[0]).toEqual({ t: JAN1, o: 189.31, h: 195.33, l: 188, c: 194.28 });
    expect(days.at(-1)).toMatchObject({ t: Date.UTC(2025, 2, 31), c: 124.54 });
    expect(days.every((d) => d.t % DAY === 0)).toBe(true);
    // Downsampling never changes the data it was given.
    expect(series.get("SOL")![0]).toEqual({ t: JAN1, o: 189.31, h: 192.66, l: 189.08, c: 192.54 });
    expect(await market.history(BONK, JAN1, JAN1 + 2 * DAY - 1, DAY)).toHaveLength(2);
  });

  it("rejects a start outside the data and an empty series", () => {
    expect(() => new ReplayMarket({ series, clock: fakeClock(), start: Date.UTC(2024, 0, 1) })).toThrow(/outside the data/);
    expect(() => new ReplayMarket({ series: new Map<string, Candle[]>(), clock: fakeClock() })).toThrow(/at least one series/);
  });
});
