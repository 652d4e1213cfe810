import { startScriptedServer, type Answer, type RecordedRequest, type ScriptedServer } from "./jupiter-api.js";

/**
 * A fake Pyth on 127.0.0.1 (real HTTP, port 0) serving both
 * - Hermes: `GET /v2/updates/price/latest?ids[]=<hex>&ids[]=<hex>&parsed=true`
 *   -> `{ binary: { encoding, data: [hex] }, parsed: [{ id, price, ema_price, metadata }] }`.
 *   Ids are accepted with or without 0x and answered without it. An unknown id fails the whole
 *   request with 404 "Price ids not found: ..." unless `ignore_invalid_price_ids=true` (as Hermes does).
 * - Benchmarks: `GET /v1/shims/tradingview/history?symbol&resolution&from&to`
 *   -> `{ s: "ok", t, o, h, l, c, v }`, `{ s: "no_data" }` when nothing is in range, or
 *   `{ s: "error", errmsg }` for a symbol it does not know.
 * Programmable like the Jupiter fake (`enqueue` failures, delays, raw bodies, 429s), plus
 * prices and publish times per feed (`setFeed`) and bars per symbol (`setHistory`).
 */

export const FEED = {
  SOL: "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d",
  USDC: "eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a",
  BONK: "72b021217ca3fe68922a19aaf990109cb9d84e9ad004b4d2025ad6f529314419",
  ETH: "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace",
} as const;

export interface PythFeedState {
  /** Integer mantissa as Hermes sends it: a decimal string. */
  price: string;
  conf: string;
  expo: number;
  /** Unix seconds. */
  publishTime: number;
}

/** One Benchmarks bar: `t` in unix seconds. */
export interface BenchBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export interface PythFake extends ScriptedServer {
  feeds: Map<string, PythFeedState>;
  /** Sets (or adds) a feed; the id may carry 0x or upper case. */
  setFeed(id: string, state: Partial<PythFeedState>): void;
  removeFeed(id: string): void;
  /** Bars by Pyth symbol (e.g. "Crypto.SOL/USD"). */
  history: Map<string, BenchBar[]>;
  setHistory(symbol: string, bars: BenchBar[]): void;
}

/** Three real SOL/USDT hourly bars (Binance, 2025-01-01 00:00-02:00 UTC; shared/data/prices). */
export const SOL_BARS_2025_01_01: readonly BenchBar[] = Object.freeze([
  { t: 1735689600, o: 189.31, h: 192.66, l: 189.08, c: 192.54, v: 109512.364 },
  { t: 1735693200, o: 192.54, h: 192.64, l: 190.39, c: 190.7, v: 66529.126 },
  { t: 1735696800, o: 190.7, h: 192.04, l: 190.44, c: 191.59, v: 65814.347 },
]);

const norm = (id: string) => id.trim().toLowerCase().replace(/^0x/, "");

export async function startPythFake(opts: { nowS?: number } = {}): Promise<PythFake> {
  const nowS = opts.nowS ?? Math.floor(Date.now() / 1000);
  const feeds = new Map<string, PythFeedState>([
    [FEED.SOL, { price: "14721543210", conf: "7312345", expo: -8, publishTime: nowS }],
    [FEED.USDC, { price: "99990000", conf: "80000", expo: -8, publishTime: nowS }],
    [FEED.BONK, { price: "2345", conf: "12", expo: -10, publishTime: nowS }],
    [FEED.ETH, { price: "184136023127", conf: "177166324", expo: -8, publishTime: nowS }],
  ]);
  const history = new Map<string, BenchBar[]>([["Crypto.SOL/USD", SOL_BARS_2025_01_01.map((b) => ({ ...b }))]]);

  const hermes = (req: RecordedRequest): Answer => {
    const ids = [...req.query.getAll("ids[]"), ...req.query.getAll("ids")].map(norm);
    if (ids.length === 0) return { status: 400, body: "Missing ids" };
    const bad = ids.filter((id) => !/^[0-9a-f]{64}$/.test(id));
    if (bad.length > 0) return { status: 400, body: `Invalid price id: ${bad[0]}` };
    const ignoreInvalid = req.query.get("ignore_invalid_price_ids") === "true";
    const missing = ids.filter((id) => !feeds.has(id));
    if (missing.length > 0 && !ignoreInvalid) {
      return { status: 404, body: `Price ids not found: ${missing.join(", ")}` };
    }
    const found = [...new Set(ids)].filter((id) => feeds.has(id));
    const parsed = found.map((id) => {
      const f = feeds.get(id) as PythFeedState;
      const price = { price: f.price, conf: f.conf, expo: f.expo, publish_time: f.publishTime };
      return {
        id,
        price,
        ema_price: { ...price },
        metadata: { slot: 190_000_000 + f.publishTime, proof_available_time: f.publishTime + 1, prev_publish_time: f.publishTime - 1 },
      };
    });
    const body: Record<string, unknown> = {
      binary: { encoding: "hex", data: [Buffer.from(found.join("")).toString("hex").slice(0, 64)] },
    };
    if (req.query.get("parsed") !== "false") body.parsed = parsed;
    return { status: 200, body };
  };

  const benchmarks = (req: RecordedRequest): Answer => {
    const symbol = req.query.get("symbol");
    const resolution = req.query.get("resolution");
    const from = Number(req.query.get("from"));
    const to = Number(req.query.get("to"));
    if (!symbol || !resolution || !Number.isInteger(from) || !Number.isInteger(to)) {
      return { status: 422, body: { detail: [{ msg: "field required" }] } };
    }
    const bars = history.get(symbol);
    if (!bars) return { status: 200, body: { s: "error", errmsg: `Symbol not found: ${symbol}` } };
    const inRange = bars.filter((b) => b.t >= from && b.t <= to);
    if (inRange.length === 0) return { status: 200, body: { s: "no_data" } };
    return {
      status: 200,
      body: {
        s: "ok",
        t: inRange.map((b) => b.t),
        o: inRange.map((b) => b.o),
        h: inRange.map((b) => b.h),
        l: inRange.map((b) => b.l),
        c: inRange.map((b) => b.c),
        v: inRange.map((b) => b.v),
      },
    };
  };

  const server = await startScriptedServer((req) => {
    if (req.method !== "GET") return { status: 405, body: "method not allowed" };
    if (req.path === "/v2/updates/price/latest") return hermes(req);
    if (req.path === "/v1/shims/tradingview/history") return benchmarks(req);
    return { status: 404, body: { detail: "Not Found" } };
  });

  return {
    url: server.url,
    requests: server.requests,
    enqueue: server.enqueue,
    close: server.close,
    feeds,
    history,
    setFeed(id, state) {
      const key = norm(id);
      const prev = feeds.get(key) ?? { price: "0", conf: "0", expo: -8, publishTime: nowS };
      feeds.set(key, { ...prev, ...state });
    },
    removeFeed(id) {
      feeds.delete(norm(id));
    },
    setHistory(symbol, bars) {
      history.set(symbol, bars);
    },
  };
}
