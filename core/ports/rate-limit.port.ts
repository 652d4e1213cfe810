export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface RateLimiter {
  consume(key: string, points?: number): Promise<RateDecision>;
  /** The same, decided at once: limiters that keep their windows in this process (a shared store has none). */
  consumeNow?(key: string, points?: number): RateDecision;
}

/** Builds named limiters (points per window); in-process by default, Redis-backed when shared. */
export interface RateLimiterFactory {
  create(name: string, opts: { points: number; durationS: number }): RateLimiter;
}

/**
 * One sliding-window limit on sends that share `key`: at most `limit` sends in any `windowMs`. A send
 * occupies the window from the moment it is admitted until `windowMs` after its answer came back: the
 * platform counts it at some instant in between, so this holds whatever the network and the event loop
 * did to it on the way. Optionally also paced: admissions average at most one per `minGapMs`, and one
 * may come up to `gapToleranceMs` early (a timer that fired late is made up for; a stall is not, since
 * the pace is judged on the clock at admission: after one, at most 1 + tolerance/gap go back to back).
 */
export interface WindowRule {
  key: string;
  limit: number;
  windowMs: number;
  minGapMs?: number;
  gapToleranceMs?: number;
}

export type Admission = { admitted: true; ticket: string } | { admitted: false; waitMs: number };

/**
 * Outbound pacing shared by every sender (across processes with Redis). Everything is judged on the
 * store's clock at the moment of the call, never from a schedule booked earlier, so a stalled event
 * loop cannot wake up holding several slots at once.
 */
export interface Spacer {
  /**
   * Admits one send now when every rule allows it, recording it as in flight under each rule's key
   * (all or nothing); otherwise records nothing and says how long to wait before asking again.
   */
  admit(rules: readonly WindowRule[]): Promise<Admission>;
  /** The admitted send has its answer (or failed): its windows run from now. */
  finish(ticket: string, rules: readonly WindowRule[]): Promise<void>;
  /**
   * Takes `key` now when nothing took it within the last intervalMs (returns 0); otherwise takes
   * nothing and returns the ms until it will be free. For "at least this long between two real sends".
   */
  take(key: string, intervalMs: number): Promise<number>;
}
