import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
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

const ALLOWED: RateDecision = Object.freeze({ allowed: true });

/**
 * In-process fixed windows, as RateLimiterMemory keeps them (a window opens at a key's first point
 * and lasts `durationS`; points spent over the limit still count), in one Map without a timer per
 * key: rate-limiter-flexible's memory store arms a setTimeout for every key's window, which every
 * message of a new sender paid for. Ended windows are swept at most once a window length.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { used: number; resetAt: number }>();
  private readonly windowMs: number;
  private nextSweep = 0;

  constructor(
    private readonly points: number,
    durationS: number,
  ) {
    this.windowMs = durationS > 0 ? durationS * 1000 : Infinity; // 0: never resets, as rate-limiter-flexible
  }

  consume(key: string, points = 1): Promise<RateDecision> {
    return Promise.resolve(this.consumeNow(key, points));
  }

  consumeNow(key: string, points = 1): RateDecision {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (now >= this.nextSweep) this.sweep(now);
      w = { used: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.used += points;
    return w.used <= this.points ? ALLOWED : { allowed: false, retryAfterMs: w.resetAt - now };
  }

  private sweep(now: number): void {
    this.nextSweep = now + Math.min(this.windowMs, 3_600_000);
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}

/** In-process limiters: right for one process; scale-out swaps in the Redis-backed factory. */
export class MemoryRateLimiterFactory implements RateLimiterFactory {
  create(_name: string, opts: { points: number; durationS: number }): RateLimiter {
    return new MemoryRateLimiter(opts.points, opts.durationS);
  }
}
