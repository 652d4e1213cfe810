import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_TOKENS } from "../../../core/domain/builtin-tokens.js";
import type { Token } from "../../../core/domain/token.js";
import { RemoteError } from "../../../core/errors.js";
import { PythBenchmarksHistory, pythSymbolFor, resolutionFor } from "../../../adapters/prices/pyth-benchmarks.js";
import { SOL_BARS_2025_01_01, startPythFake, type PythFake } from "../../fakes/pyth.js";

const tok = (symbol: string) => BUILTIN_TOKENS.find((t) => t.symbol === symbol) as Token;
const SOL = tok("SOL");
const quick = { ratePerSec: 0, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 1_000 };
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1); // first seeded SOL bar

describe("Pyth symbol and resolution", () => {
  it("maps token symbols to Pyth symbols", () => {
    expect(pythSymbolFor(tok("WBTC"))).toBe("Crypto.WBTC/USD");
    expect(pythSymbolFor(tok("WETH"))).toBe("Crypto.ETH/USD");
    expect(pythSymbolFor(SOL)).toBe("Crypto.SOL/USD");
    expect(pythSymbolFor({ symbol: "bonk" })).toBe("Crypto.BONK/USD");
  });

  it("never picks bars coarser than the step asked for", () => {
    expect(resolutionFor(60_000)).toBe("60");
    expect(resolutionFor(HOUR)).toBe("60");
    expect(resolutionFor(2 * HOUR)).toBe("60");
    expect(resolutionFor(4 * HOUR)).toBe("240");
    expect(resolutionFor(12 * HOUR)).toBe("240");
    expect(resolutionFor(24 * HOUR)).toBe("1D");
    expect(resolutionFor(7 * 24 * HOUR)).toBe("1D");
  });
});

describe("PythBenchmarksHistory", () => {
  let fake: PythFake;
  beforeEach(async () => {
    fake = await startPythFake();
  });
  afterEach(async () => fake.close());

  it("asks the TradingView shim with symbol, resolution and seconds, and parses candles in ms", async () => {
    const src = new PythBenchmarksHistory({ root: fake.url, resilience: quick });
    const candles = await src.history(SOL, T0, T0 + 2 * HOUR + 500, HOUR);
    const req = fake.requests[0]!;
    expect(req.path).toBe("/v1/shims/tradingview/history");
    expect(req.query.get("symbol")).toBe("Crypto.SOL/USD");
    expect(req.query.get("resolution")).toBe("60");
    expect(req.query.get("from")).toBe(String(T0 / 1000));
    expect(req.query.get("to")).toBe(String(T0 / 1000 + 7201));
    expect(candles).toEqual(
      SOL_BARS_2025_01_01.map((b) => ({ t: b.t * 1000, o: b.o, h: b.h, l: b.l, c: b.c })),
    );
    expect(src.name).toBe("pyth-benchmarks");
  });

  it("asks for daily bars for a daily step and maps WETH to ETH", async () => {
    fake.setHistory("Crypto.ETH/USD", [{ t: T0 / 1000, o: 3300, h: 3400, l: 3200, c: 3350, v: 1 }]);
    const src = new PythBenchmarksHistory({ root: fake.url, resilience: quick });
    const candles = await src.history(tok("WETH"), T0, T0 + 30 * 24 * HOUR, 24 * HOUR);
    expect(fake.requests[0]!.query.get("symbol")).toBe("Crypto.ETH/USD");
    expect(fake.requests[0]!.query.get("resolution")).toBe("1D");
    expect(candles).toEqual([{ t: T0, o: 3300, h: 3400, l: 3200, c: 3350 }]);
  });

  it("no_data gives no candles", async () => {
    const src = new PythBenchmarksHistory({ root: fake.url, resilience: quick });
    expect(await src.history(SOL, Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 2), HOUR)).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it("an unknown symbol gives no candles", async () => {
    const src = new PythBenchmarksHistory({ root: fake.url, resilience: quick });
    const nobody: Token = { symbol: "ZZZQ", name: "?", mint: "Zzzq111111111111111111111111111111111111111", decimals: 6, verified: false };
    expect(await src.history(nobody, T0, T0 + HOUR, HOUR)).toEqual([]);
    expect(fake.requests[0]!.query.get("symbol")).toBe("Crypto.ZZZQ/USD");
  });

  it("any other error answer is a non-retryable RemoteError carrying errmsg", async () => {
    fake.enqueue({ body: { s: "error", errmsg: "from must be before to" } });
    const src = new PythBenchmarksHistory({ root: fake.url, resilience: { ...quick, retries: 2 } });
    const e = await src.history(SOL, T0, T0 + HOUR, HOUR).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).retryable).toBe(false);
    expect((e as RemoteError).message).toContain("from must be before to");
    expect(fake.requests).toHaveLength(1);
  });

  it("series of different lengths are rejected; null points are skipped", async () => {
    fake.enqueue({ body: { s: "ok", t: [1, 2], o: [1], h: [1, 2], l: [1, 2], c: [1, 2] } });
    const src = new PythBenchmarksHistory({ root: fake.url, resilience: quick });
    await expect(src.history(SOL, T0, T0 + HOUR, HOUR)).rejects.toBeInstanceOf(RemoteError);
    fake.enqueue({ body: { s: "ok", t: [20, 10], o: [2, 1], h: [2, null], l: [2, 1], c: [2, 1], v: [0, 0] } });
    expect(await src.history(SOL, T0, T0 + HOUR, HOUR)).toEqual([{ t: 20_000, o: 2, h: 2, l: 2, c: 2 }]);
  });

  it("retries a 502 then parses", async () => {
    fake.enqueue({ status: 502 });
    const src = new PythBenchmarksHistory({ root: fake.url, resilience: quick });
    expect(await src.history(SOL, T0, T0 + 2 * HOUR, HOUR)).toHaveLength(3);
    expect(fake.requests).toHaveLength(2);
  });
});
