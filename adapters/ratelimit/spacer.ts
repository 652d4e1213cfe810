import type { Redis } from "ioredis";
import type { Spacer } from "../../core/ports/rate-limit.port.js";

/** In-process spacing (one process: the default). */
export class MemorySpacer implements Spacer {
  private readonly next = new Map<string, number>();
  constructor(private readonly clock: () => number = Date.now) {}

  reserve(key: string, intervalMs: number): Promise<number> {
    const now = this.clock();
    const t = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, t + intervalMs);
    if (this.next.size > 100_000) for (const [k, v] of this.next) if (v < now) this.next.delete(k);
    return Promise.resolve(t - now);
  }

  take(key: string, intervalMs: number): Promise<number> {
    const now = this.clock();
    const free = this.taken.get(key) ?? 0;
    if (free > now) return Promise.resolve(free - now);
    this.taken.set(key, now + intervalMs);
    if (this.taken.size > 100_000) for (const [k, v] of this.taken) if (v < now) this.taken.delete(k);
    return Promise.resolve(0);
  }
  private readonly taken = new Map<string, number>();
}

// Redis' own clock, so every process agrees on "now"; the key expires once it is in the past.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nxt)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', slot - now + tonumber(ARGV[1]) + 1000)
return slot - now`;

const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free > now then return free - now end
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 1000)
return 0`;

/**
 * Spacing shared by every process through Redis, so a platform limit (Telegram: 30 msg/s) holds for
 * the whole fleet. While Redis is down each process spaces on its own (degraded, never stuck).
 */
export class RedisSpacer implements Spacer {
  private readonly local = new MemorySpacer();
  constructor(
    private readonly redis: Redis,
    private readonly onFallback: (err: unknown) => void = () => {},
    private readonly prefix = "purser:space:",
  ) {}

  async reserve(key: string, intervalMs: number): Promise<number> {
    try {
      return Number(await this.redis.eval(RESERVE, 1, this.prefix + key, String(Math.round(intervalMs))));
    } catch (err) {
      this.onFallback(err);
      return this.local.reserve(key, intervalMs);
    }
  }

  async take(key: string, intervalMs: number): Promise<number> {
    try {
      return Number(await this.redis.eval(TAKE, 1, `${this.prefix}take:${key}`, String(Math.round(intervalMs))));
    } catch (err) {
      this.onFallback(err);
      return this.local.take(key, intervalMs);
    }
  }
}
