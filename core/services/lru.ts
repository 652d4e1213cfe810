import { LRUCache } from "lru-cache";

/**
 * A least-recently-used cache of at most `max` entries whose memory grows with what it holds.
 * lru-cache given `max` allocates its index arrays for all `max` entries up front (100,000 identities:
 * ~2.7 MB resident in an idle process); counted as a size of 1 per entry under `maxSize`, it bounds the
 * same count with arrays that grow on use. Every other option (ttl, dispose, ...) is lru-cache's.
 */
export function lru<K extends {}, V extends {}>(max: number, options: Omit<LRUCache.Options<K, V, unknown>, "max" | "maxSize" | "sizeCalculation"> = {}): LRUCache<K, V> {
  return new LRUCache<K, V>({ ...options, maxSize: max, sizeCalculation: () => 1 } as LRUCache.Options<K, V, unknown>);
}
