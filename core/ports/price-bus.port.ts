import type { PriceTick } from "../domain/price.js";

/** Price ticks fanned out to alerts and the treasury: in-process, or Redis pub/sub across processes. */
export interface PriceBus {
  publish(ticks: readonly PriceTick[]): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (ticks: readonly PriceTick[]) => void): () => void;
}

/** Shared short-TTL cache (in-process LRU, or Redis when configured). */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
}
