import type { LRUCache } from "lru-cache";
import { lru } from "../../core/services/lru.js";
import type { Cache } from "../../core/ports/price-bus.port.js";

/** In-process TTL cache (the default; Redis replaces it when REDIS_URL is set). */
export class MemoryCache implements Cache {
  private readonly lru: LRUCache<string, { v: unknown }>;
  constructor(max = 50_000) {
    this.lru = lru<string, { v: unknown }>(max, { ttlAutopurge: false });
  }
  get<T>(key: string): Promise<T | undefined> {
    return Promise.resolve(this.lru.get(key)?.v as T | undefined);
  }
  set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    this.lru.set(key, { v: value }, { ttl: Math.max(1, ttlMs) });
    return Promise.resolve();
  }
}
