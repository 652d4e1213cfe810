import http from "node:http";
import type { AddressInfo } from "node:net";
import { safetySearchEntries } from "./jupiter-safety-tokens.js";

/**
 * A fake Jupiter API on 127.0.0.1 (real HTTP, port 0): Price API v3 and Tokens API v2 search.
 * Also home of the small scripted-server core the Pyth fake reuses.
 *
 * Programmable per test: `enqueue()` scripts the next N responses (any route), in order:
 *   { status: 503 }                     an error status (JSON body {"error": ...})
 *   { delayMs: 500 }                    hold the answer 500 ms, then answer normally
 *   { body: "not json" }                a raw 200 body (strings are sent as-is, objects as JSON)
 *   { status: 429, retryAfterS: 1 }     429 with Retry-After (seconds, or a string such as an HTTP date)
 * Every request is recorded with method, path, query and headers.
 */

export interface Scripted {
  status?: number;
  /** Strings are sent verbatim (text/plain unless headers say otherwise); anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (scripted or normal answer). */
  delayMs?: number;
  /** Adds Retry-After; implies status 429 when no status is given. */
  retryAfterS?: number | string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Script the next responses, in order; unscripted requests get the normal answer. */
  enqueue(...responses: Scripted[]): void;
  close(): Promise<void>;
}

export async function startScriptedServer(route: (req: RecordedRequest) => Answer): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const queue: Scripted[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: http.ServerResponse, a: Answer) => {
    if (res.destroyed || res.writableEnded) return;
    const raw = typeof a.body === "string";
    const payload = raw ? (a.body as string) : JSON.stringify(a.body ?? null);
    res.writeHead(a.status, {
      "content-type": raw ? "text/plain" : "application/json",
      ...(a.headers ?? {}),
    });
    res.end(payload);
  };

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      at: Date.now(),
    };
    requests.push(rec);
    const script = queue.shift();
    const answer = (): Answer => {
      if (!script || (script.status === undefined && script.body === undefined && script.retryAfterS === undefined)) {
        return route(rec);
      }
      const status = script.status ?? (script.retryAfterS !== undefined ? 429 : 200);
      const headers = { ...(script.headers ?? {}) };
      if (script.retryAfterS !== undefined) headers["retry-after"] = String(script.retryAfterS);
      const body = script.body !== undefined ? script.body : status >= 400 ? { error: `scripted ${status}` } : {};
      return { status, body, headers };
    };
    const delay = script?.delayMs ?? 0;
    if (delay <= 0) return send(res, answer());
    const t = setTimeout(() => {
      timers.delete(t);
      send(res, answer());
    }, delay);
    timers.add(t);
  });

  // Idle keep-alive sockets stay open for the test's life: on a busy machine a client reusing one just as a
  // 5 s server timeout closes it gets "fetch failed" (close() still ends idle sockets).
  server.keepAliveTimeout = 120_000;

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...r) => void queue.push(...r),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const MINT = {
  SOL: "So11111111111111111111111111111111111111112",
  JUP: "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN",
  USDC: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
  BONK: "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263",
} as const;

/** Price API v3 example from Jupiter's docs (shared/data/fixtures/jupiter/price_v3_jup_sol.jupdocs.json). */
export const PRICE_V3_DOCS_EXAMPLE: Readonly<Record<string, Record<string, unknown>>> = Object.freeze({
  [MINT.JUP]: { usdPrice: 0.4056018512541055, blockId: 348004026, decimals: 6, priceChange24h: 0.5292887924920519 },
  [MINT.SOL]: { usdPrice: 147.4789340738336, blockId: 348004023, decimals: 9, priceChange24h: 1.2907622140620008 },
});

/** Tokens v2 search entries shaped like Jupiter's documented example (extra fields included). */
export const SEARCH_SEED: readonly Record<string, unknown>[] = Object.freeze([
  {
    id: MINT.JUP, name: "Jupiter", symbol: "JUP", icon: "https://static.jup.ag/jup/icon.png", decimals: 6,
    isVerified: true, organicScore: 98.08, organicScoreLabel: "high", usdPrice: 0.1424, mcap: 461995714.68,
    holderCount: 857247, tags: ["verified", "community", "strict"],
  },
  {
    id: MINT.SOL, name: "Wrapped SOL", symbol: "SOL", icon: "https://example.invalid/sol.png", decimals: 9,
    isVerified: true, organicScore: 99.1, organicScoreLabel: "high", usdPrice: 147.47, tags: ["verified"],
  },
  {
    id: MINT.BONK, name: "Bonk", symbol: "Bonk", icon: null, decimals: 5, isVerified: true, tags: ["verified", "community"],
  },
]);

export interface JupiterFake extends ScriptedServer {
  /** Price v3 entries by mint; only mints present here are answered (as the real API does). */
  prices: Map<string, Record<string, unknown>>;
  /** Sets usdPrice (any JSON value: null, "NaN", 0, -1 ...) keeping the other fields. */
  setUsdPrice(mint: string, usdPrice: unknown, priceChange24h?: unknown): void;
  /** Replaces the whole entry for a mint with any JSON value. */
  setEntry(mint: string, entry: unknown): void;
  removePrice(mint: string): void;
  /** Raw search entries (may include garbage); search filters them by query. */
  tokens: unknown[];
  /** When set, requests without this `x-api-key` get 401 (the body echoes what was sent). */
  requiredApiKey?: string;
  /** When set, every tokens/v2/search answers with this status and body (until set back to null). */
  searchFailure: { status: number; body?: unknown } | null;
}

export interface JupiterFakeOptions {
  requiredApiKey?: string;
  /** Also answer for the safety mints (tests/fakes/solana/safety-mints.ts), first pools dated from `now`. */
  safetyTokens?: boolean | { now: number };
}

export async function startJupiterFake(opts: JupiterFakeOptions = {}): Promise<JupiterFake> {
  const prices = new Map<string, Record<string, unknown>>(
    Object.entries(PRICE_V3_DOCS_EXAMPLE).map(([k, v]) => [k, { ...v }]),
  );
  const safety = opts.safetyTokens ? safetySearchEntries(typeof opts.safetyTokens === "object" ? opts.safetyTokens.now : Date.now()) : [];
  const state = {
    tokens: [...SEARCH_SEED.map((t) => ({ ...t })), ...safety] as unknown[],
    requiredApiKey: opts.requiredApiKey,
    searchFailure: null as JupiterFake["searchFailure"],
  };

  const route = (req: RecordedRequest): Answer => {
    if (state.requiredApiKey !== undefined && req.headers["x-api-key"] !== state.requiredApiKey) {
      const sent = String(req.headers["x-api-key"] ?? "");
      return { status: 401, body: { error: `Invalid API key: ${sent}` } };
    }
    if (req.method !== "GET") return { status: 405, body: { error: "method not allowed" } };
    if (req.path === "/price/v3") {
      const ids = (req.query.get("ids") ?? "").split(",").filter(Boolean);
      if (ids.length === 0) return { status: 400, body: { error: "ids is required" } };
      if (ids.length > 50) return { status: 400, body: { error: "at most 50 ids" } };
      const out: Record<string, unknown> = {};
      for (const id of ids) if (prices.has(id)) out[id] = prices.get(id);
      return { status: 200, body: out };
    }
    if (req.path === "/tokens/v2/search") {
      if (state.searchFailure) return { status: state.searchFailure.status, body: state.searchFailure.body ?? { error: "search failed" } };
      const q = (req.query.get("query") ?? "").toLowerCase();
      if (!q) return { status: 400, body: { error: "query is required" } };
      const hits = state.tokens.filter((t) => {
        if (!t || typeof t !== "object") return true; // garbage is returned as-is, for robustness tests
        const r = t as Record<string, unknown>;
        return [r.id, r.symbol, r.name].some((v) => typeof v === "string" && v.toLowerCase().includes(q));
      });
      return { status: 200, body: hits };
    }
    return { status: 404, body: { error: "not found" } };
  };

  const server = await startScriptedServer(route);
  return {
    url: server.url,
    requests: server.requests,
    enqueue: server.enqueue,
    close: server.close,
    prices,
    get tokens() {
      return state.tokens;
    },
    set tokens(v: unknown[]) {
      state.tokens = v;
    },
    get searchFailure() {
      return state.searchFailure;
    },
    set searchFailure(v: JupiterFake["searchFailure"]) {
      state.searchFailure = v;
    },
    get requiredApiKey() {
      return state.requiredApiKey;
    },
    set requiredApiKey(v: string | undefined) {
      state.requiredApiKey = v;
    },
    setUsdPrice(mint: string, usdPrice: unknown, priceChange24h?: unknown) {
      const base = prices.get(mint) ?? { blockId: 348004000, decimals: 6, priceChange24h: 0 };
      const next: Record<string, unknown> = { ...base, usdPrice };
      if (priceChange24h !== undefined) next.priceChange24h = priceChange24h;
      prices.set(mint, next);
    },
    setEntry(mint: string, entry: unknown) {
      prices.set(mint, entry as Record<string, unknown>);
    },
    removePrice(mint: string) {
      prices.delete(mint);
    },
  };
}
