import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateDecision, RateLimiter, RateLimiterFactory } from "../../core/ports/rate-limit.port.js";

/** Wraps a rate-limiter-flexible limiter (memory here; the Redis one has the same API). */
export class FlexibleRateLimiter implements RateLimiter {
  constructor(private readonly inner: RateLimiterAbstract) {}

  async consume(key: string, points = 1): Promise<RateDecision> {
    try {
      await this.inner.consume(key, points);
      return { allowed: true };
    } catch (e) {
      if (e instanceof RateLimiterRes) return { allowed: false, retryAfterMs: e.msBeforeNext };
      throw e;
    }
  }
}

/** In-process limiters: right for one process; scale-out swaps in the Redis-backed factory. */
export class MemoryRateLimiterFactory implements RateLimiterFactory {
  create(name: string, opts: { points: number; durationS: number }): RateLimiter {
    return new FlexibleRateLimiter(new RateLimiterMemory({ keyPrefix: name, points: opts.points, duration: opts.durationS }));
  }
}
