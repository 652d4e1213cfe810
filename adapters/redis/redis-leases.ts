import type { Redis } from "ioredis";
import type { Leases } from "../../core/ports/kv.port.js";

// Take when free or already ours (renew); release only our own lease.
const ACQUIRE = `
local v = redis.call('GET', KEYS[1])
if (not v) or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Leader leases in Redis (SET with PX, renewed by the holder); the database lease is the fallback. */
export class RedisLeases implements Leases {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "purser:lease:",
  ) {}

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    if (ttlMs <= 0) return false;
    return (await this.redis.eval(ACQUIRE, 1, this.prefix + name, owner, String(Math.round(ttlMs)))) === 1;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + name, owner);
  }
}

/** Redis when it answers, the database when Redis is down: a lease is never lost to an outage. */
export class FallbackLeases implements Leases {
  constructor(
    private readonly primary: Leases,
    private readonly fallback: Leases,
    private readonly onFallback: (err: unknown) => void = () => {},
  ) {}

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    try {
      return await this.primary.acquire(name, owner, ttlMs);
    } catch (err) {
      this.onFallback(err);
      return this.fallback.acquire(name, owner, ttlMs);
    }
  }

  async release(name: string, owner: string): Promise<void> {
    await Promise.allSettled([this.primary.release(name, owner), this.fallback.release(name, owner)]);
  }
}
