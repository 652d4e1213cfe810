import { MemoryPriceBus } from "../../adapters/memory/memory-bus.js";
import { MemoryCache } from "../../adapters/memory/memory-cache.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { PriceSource } from "../../core/ports/price-source.port.js";
import { MarketService } from "../../core/services/market.service.js";
import type { FakeClock } from "./clock.js";

/** A market service over `live` sources with in-process cache and bus: 2-minute max age, 5% deviation. */
export function testMarket(live: PriceSource[], clock: FakeClock, extra: Partial<ConstructorParameters<typeof MarketService>[0]> = {}) {
  return new MarketService({
    live,
    cache: new MemoryCache(),
    bus: new MemoryPriceBus(),
    clock,
    log: silentLogger,
    maxAgeMs: 120_000,
    maxDeviationPct: 5,
    cacheTtlMs: 3000,
    ...extra,
  });
}
