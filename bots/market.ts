import { existsSync } from "node:fs";
import type { Redis } from "ioredis";
import { PngChartRenderer } from "../adapters/charts/chart-renderer.js";
import { MemoryPriceBus } from "../adapters/memory/memory-bus.js";
import { MemoryCache } from "../adapters/memory/memory-cache.js";
import { JupiterPriceSource, jupiterResilienceDefaults } from "../adapters/prices/jupiter-price.js";
import { JupiterTokenInfo } from "../adapters/prices/jupiter-token-info.js";
import { JupiterTokenSearch } from "../adapters/prices/jupiter-tokens.js";
import { PythBenchmarksHistory } from "../adapters/prices/pyth-benchmarks.js";
import { PythHermesSource } from "../adapters/prices/pyth-hermes.js";
import { createResilience } from "../adapters/prices/resilience.js";
import { RedisCache } from "../adapters/redis/redis-cache.js";
import { RedisPriceBus } from "../adapters/redis/redis-price-bus.js";
import { loadReplayColumns } from "../adapters/replay/replay-data.js";
import { ReplayMarket } from "../adapters/replay/replay-market.js";
import type { Clock } from "../core/ports/clock.port.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { Cache, PriceBus } from "../core/ports/price-bus.port.js";
import type { PriceHistorySource, PriceSource } from "../core/ports/price-source.port.js";
import type { TickStore } from "../core/ports/tick-store.port.js";
import type { TokenInfoSource } from "../core/ports/token-safety.port.js";
import type { TokenCache, TokenSearch } from "../core/ports/token-search.port.js";
import { MarketService, type ReplaySource } from "../core/services/market.service.js";
import { TokenRegistry } from "../core/services/token-registry.service.js";
import type { Config } from "./config.js";

/** Replaces outside-facing parts in tests (fakes) without touching the wiring. */
export interface MarketOverrides {
  live?: PriceSource[];
  replay?: ReplaySource | null;
  search?: TokenSearch;
  history?: PriceHistorySource[];
  /** Jupiter's token API for the token card (issue 18). */
  tokenInfo?: TokenInfoSource;
}

export interface MarketParts {
  market: MarketService;
  tokens: TokenRegistry;
  charts: PngChartRenderer;
  bus: PriceBus;
  cache: Cache;
  /** Market data for token cards (Jupiter tokens/v2), sharing Jupiter's rate bucket with prices and search. */
  tokenInfo: TokenInfoSource;
}

/** Live sources in PRICE_SOURCES order, replay over data/, cache and bus (Redis when configured). */
export function buildMarket(
  config: Config,
  deps: {
    clock: Clock;
    log: Logger;
    tokenCache: TokenCache;
    ticks: TickStore;
    redis?: { main: Redis; sub: Redis };
    hooks?: Pick<ConstructorParameters<typeof MarketService>[0], "onReject" | "onSourceError">;
  },
  over: MarketOverrides = {},
): MarketParts {
  const { clock, log } = deps;
  const jupiter = createResilience({ ...jupiterResilienceDefaults(config.JUPITER_API_KEY), name: "jupiter", timeoutMs: config.PRICE_TIMEOUT_MS });
  const live =
    over.live ??
    config.PRICE_SOURCES.map((name): PriceSource =>
      name === "jupiter"
        ? new JupiterPriceSource({ root: config.JUPITER_API_ROOT, ...(config.JUPITER_API_KEY ? { apiKey: config.JUPITER_API_KEY } : {}), clock, resilience: jupiter })
        : new PythHermesSource({ root: config.PYTH_HERMES_URL, resilience: { timeoutMs: config.PRICE_TIMEOUT_MS } }),
    );
  const search =
    over.search ??
    new JupiterTokenSearch({ root: config.JUPITER_API_ROOT, ...(config.JUPITER_API_KEY ? { apiKey: config.JUPITER_API_KEY } : {}), resilience: jupiter });
  // A card's market info and the registry's lookup of the same mint share one search request.
  const tokenInfo =
    over.tokenInfo ??
    new JupiterTokenInfo({
      root: config.JUPITER_API_ROOT,
      ...(config.JUPITER_API_KEY ? { apiKey: config.JUPITER_API_KEY } : {}),
      resilience: jupiter,
      ...(search instanceof JupiterTokenSearch ? { search } : {}),
    });
  const history = over.history ?? [new PythBenchmarksHistory({ root: config.PYTH_BENCHMARKS_URL, resilience: { timeoutMs: config.PRICE_TIMEOUT_MS } })];
  let replay: ReplaySource | undefined = over.replay === null ? undefined : over.replay;
  if (over.replay === undefined) {
    if (existsSync(config.REPLAY_DATA_DIR)) {
      const dir = config.REPLAY_DATA_DIR;
      const startedAt = clock.now();
      replay = lazyReplay(() => new ReplayMarket({ series: loadReplayColumns(dir, { cache: true }), clock, start: config.REPLAY_START, speed: config.REPLAY_SPEED, startedAt }));
    } else log.warn({ dir: config.REPLAY_DATA_DIR }, "replay data directory not found: no replay fallback");
  }
  if (config.MARKET_SOURCE === "replay" && !replay) {
    throw new Error(`MARKET_SOURCE=replay needs candles in REPLAY_DATA_DIR (${config.REPLAY_DATA_DIR})`);
  }
  const cache: Cache = deps.redis ? new RedisCache(deps.redis.main, `${config.REDIS_PREFIX}cache:`) : new MemoryCache();
  const bus: PriceBus = deps.redis
    ? new RedisPriceBus(deps.redis.main, deps.redis.sub, `${config.REDIS_PREFIX}ticks`, (err) => log.error({ err }, "price listener failed"))
    : new MemoryPriceBus((err) => log.error({ err }, "price listener failed"));
  const market = new MarketService({
    live,
    ...(replay ? { replay } : {}),
    history,
    ticks: deps.ticks,
    cache,
    bus,
    clock,
    log: log.child({ component: "market" }),
    maxAgeMs: config.PRICE_MAX_AGE_S * 1000,
    maxDeviationPct: config.PRICE_MAX_DEVIATION_PCT,
    cacheTtlMs: config.PRICE_CACHE_TTL_MS,
    replayMode: config.MARKET_SOURCE === "replay",
    ...deps.hooks,
  });
  const tokens = new TokenRegistry({ cache: deps.tokenCache, memory: cache, search, clock, log: log.child({ component: "tokens" }) });
  return { market, tokens, charts: new PngChartRenderer(), bus, cache, tokenInfo };
}

/**
 * The bundled history read on first use, not at start-up (parsing its CSVs takes ~0.4 s and ~20 MB,
 * and a chat that asks no price never needs them). `build` runs once, on the first call of any
 * member; the market it builds plays back from the moment this was made (its `startedAt`).
 */
function lazyReplay(build: () => ReplayMarket): ReplaySource {
  let made: ReplayMarket | undefined;
  const market = () => (made ??= build());
  return {
    name: "replay",
    kind: "replay",
    now: () => market().now(),
    range: () => market().range(),
    getPrices: (tokens) => market().getPrices(tokens),
    history: (token, fromMs, toMs, stepMs) => market().history(token, fromMs, toMs, stepMs),
  };
}
