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
  reserve(key: string, intervalMs: number): Promise<number>;
}
