export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface RateLimiter {
  consume(key: string, points?: number): Promise<RateDecision>;
}

/** Builds named limiters (points per window); in-process by default, Redis-backed when shared. */
export interface RateLimiterFactory {
  create(name: string, opts: { points: number; durationS: number }): RateLimiter;
}

/**
 * Spacing shared by every sender (across processes with Redis): `reserve` books the next slot at
 * least `intervalMs` after the previous one for `key` and returns how long to wait for it.
 */
export interface Spacer {
  /** Books the next free slot of `key` (intervalMs after the last one booked): ms to wait until it. */
  reserve(key: string, intervalMs: number): Promise<number>;
  /**
   * Takes `key` now when nothing took it within the last intervalMs (returns 0); otherwise takes
   * nothing and returns the ms until it will be free. For "at least this long between two real sends".
   */
  take(key: string, intervalMs: number): Promise<number>;
}
