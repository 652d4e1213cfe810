import { z } from "zod";
import type { Candle } from "../../core/domain/price.js";
import type { Token } from "../../core/domain/token.js";
import type { PriceHistorySource } from "../../core/ports/price-source.port.js";
import { HttpRemoteError } from "./http.js";
import { JsonApi } from "./json-api.js";
import { resolveResilience, type Resilience, type ResilienceOptions } from "./resilience.js";

/** Benchmarks' TradingView shim allows 90 requests per 10 s per IP, then 429s for 60 s. */
export const PYTH_BENCHMARKS_RATE_PER_SEC = 5;

const HISTORY_PATH = "/v1/shims/tradingview/history";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type BenchmarksResolution = "60" | "240" | "1D";

export interface PythBenchmarksHistoryOptions {
  /** Benchmarks root without trailing slash, e.g. https://benchmarks.pyth.network. */
  root: string;
  /** Extra request headers (a provider's API key header). Never shown in errors. */
  headers?: Record<string, string>;
  resilience?: Resilience | Partial<ResilienceOptions>;
}

/** Pyth's symbol for a token: WBTC -> Crypto.WBTC/USD, WETH -> Crypto.ETH/USD, else Crypto.<SYMBOL>/USD. */
export function pythSymbolFor(token: Pick<Token, "symbol">): string {
  const s = token.symbol.trim().toUpperCase();
  if (s === "WETH") return "Crypto.ETH/USD";
  return `Crypto.${s}/USD`;
}

/** Never coarser than asked: hourly bars below 4 h steps, 4-hour bars below a day, then daily. */
export function resolutionFor(stepMs: number): BenchmarksResolution {
  if (!(stepMs >= 4 * HOUR_MS)) return "60";
  if (stepMs < DAY_MS) return "240";
  return "1D";
}

const series = z.array(z.unknown());
const okSchema = z.looseObject({ s: z.literal("ok"), t: series, o: series, h: series, l: series, c: series });
const statusSchema = z.looseObject({ s: z.string(), errmsg: z.string().optional() });

/** errmsg texts that mean "no such symbol", which the port reports as no candles. */
const UNKNOWN_SYMBOL = /not\s*found|unknown\s+symbol|invalid\s+symbol|no\s+such\s+symbol/i;

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * Candles from Pyth Benchmarks' TradingView shim:
 * `GET {root}/v1/shims/tradingview/history?symbol=Crypto.SOL/USD&resolution=60&from=<s>&to=<s>`.
 * `no_data` and unknown symbols give []; other `error` answers throw a non-retryable RemoteError.
 */
export class PythBenchmarksHistory implements PriceHistorySource {
  readonly name = "pyth-benchmarks";
  private readonly api: JsonApi;

  constructor(opts: PythBenchmarksHistoryOptions) {
    const resilience = resolveResilience(opts.resilience, { name: "pyth-benchmarks", ratePerSec: PYTH_BENCHMARKS_RATE_PER_SEC });
    this.api = new JsonApi(this.name, opts.root, { ...(opts.headers ?? {}) }, resilience);
  }

  async history(token: Token, fromMs: number, toMs: number, stepMs: number): Promise<Candle[]> {
    if (!(toMs >= fromMs)) return [];
    const body = await this.api.get(HISTORY_PATH, (q) => {
      q.set("symbol", pythSymbolFor(token));
      q.set("resolution", resolutionFor(stepMs));
      q.set("from", String(Math.floor(fromMs / 1000)));
      q.set("to", String(Math.ceil(toMs / 1000)));
    });
    return this.parse(body);
  }

  private parse(body: unknown): Candle[] {
    const ok = okSchema.safeParse(body);
    if (ok.success) {
      const { t, o, h, l, c } = ok.data;
      const n = t.length;
      if (o.length !== n || h.length !== n || l.length !== n || c.length !== n) {
        throw this.shapeError("series of different lengths");
      }
      const candles: Candle[] = [];
      for (let i = 0; i < n; i++) {
        const ts = num(t[i]);
        const co = num(o[i]);
        const ch = num(h[i]);
        const cl = num(l[i]);
        const cc = num(c[i]);
        if (ts === undefined || co === undefined || ch === undefined || cl === undefined || cc === undefined) continue;
        candles.push({ t: ts * 1000, o: co, h: ch, l: cl, c: cc });
      }
      return candles.sort((a, b) => a.t - b.t);
    }
    const status = statusSchema.safeParse(body);
    if (!status.success) throw this.shapeError("no status");
    if (status.data.s === "no_data") return [];
    if (status.data.s === "error") {
      const msg = (status.data.errmsg ?? "").slice(0, 200);
      if (UNKNOWN_SYMBOL.test(msg)) return [];
      throw new HttpRemoteError(this.name, `${this.name}: history error: ${msg || "unspecified"}`, false, 200);
    }
    throw this.shapeError(`status ${JSON.stringify(status.data.s).slice(0, 40)}`);
  }

  private shapeError(why: string) {
    return this.api.shapeError(HISTORY_PATH, why);
  }
}
