import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import type { RateLimiter, RateLimiterFactory } from "../../core/ports/rate-limit.port.js";
import { FlexibleRateLimiter } from "./rate-limiters.js";

/**
 * Limits shared by every process through Redis; while Redis is down each process falls back to its own
 * in-memory limiter (rate-limiter-flexible's insurance limiter), so an outage degrades, never blocks.
 */
export class RedisRateLimiterFactory implements RateLimiterFactory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "purser:rl:",
  ) {}

  create(name: string, opts: { points: number; durationS: number }): RateLimiter {
    return new FlexibleRateLimiter(
      new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${this.prefix}${name}`,
        points: opts.points,
        duration: opts.durationS,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${name}-insurance`, points: opts.points, duration: opts.durationS }),
      }),
    );
  }
}
