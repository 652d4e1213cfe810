/**
 * DCA schedules: when each buy is due, on whatever clock the caller injects (wall time live, the
 * replayed clock in replay, candle times in a backtest: the rules are the same).
 *
 * Firing n (1-based) is due at startAt + (n - 1) * everyMs; there are at most `times` firings and
 * none due after `until`. Due times come from the firing number, never from when the last buy
 * happened, so a slow execution does not drift the schedule.
 *
 * Catching up: a firing is on time until the next one is due (for the last, until one interval
 * after its due time). After downtime only the latest due firing runs; the ones before it are
 * reported missed, never bunched into a burst of buys the user did not expect.
 *
 * Pure: imports only core/domain.
 */

export interface DcaSchedule {
  startAt: number;
  everyMs: number;
  times: number | null;
  until: number | null;
}

/** When firing n (1-based) is due; null when the schedule has no firing n. */
export function dueAt(s: DcaSchedule, n: number): number | null {
  if (!Number.isInteger(n) || n < 1 || (s.times !== null && n > s.times)) return null;
  const t = s.startAt + (n - 1) * s.everyMs;
  return s.until !== null && t > s.until ? null : t;
}

/** How many firings the schedule has in all (null: open-ended). */
export function firingCount(s: DcaSchedule): number | null {
  const byUntil = s.until === null ? null : s.until < s.startAt ? 0 : Math.floor((s.until - s.startAt) / s.everyMs) + 1;
  if (s.times === null) return byUntil;
  return byUntil === null ? s.times : Math.min(s.times, byUntil);
}

/** The first `max` due times (all of them when fewer). */
export function dueTimes(s: DcaSchedule, max = 1000): number[] {
  const out: number[] = [];
  for (let n = 1; n <= max; n++) {
    const t = dueAt(s, n);
    if (t === null) break;
    out.push(t);
  }
  return out;
}

/** Firings numbered from..to (inclusive) that were skipped. */
export interface Missed {
  from: number;
  to: number;
}

export type DcaStep =
  /** Nothing due: the next firing and when it is due. */
  | { kind: "wait"; firing: number; at: number }
  /** Run firing `firing` now (its due time is `dueAt`); `missed`: earlier firings skipped. */
  | { kind: "fire"; firing: number; dueAt: number; missed: Missed | null }
  /** The last firing's window passed unused: `missed` are skipped, and the schedule is over. */
  | { kind: "expired"; missed: Missed }
  | { kind: "done" };

/**
 * What to do at `now`, given `handled`: how many firings are already handled (fired, failed for
 * good, or recorded missed). Idempotent: the same (handled, now) gives the same answer, so two
 * workers agree on the firing number (the idempotency key).
 */
export function dcaStep(s: DcaSchedule, handled: number, now: number): DcaStep {
  const next = handled + 1;
  const nextAt = dueAt(s, next);
  if (nextAt === null) return { kind: "done" };
  if (now < nextAt) return { kind: "wait", firing: next, at: nextAt };
  // The latest firing due by now (the schedule's last one at most).
  let k = Math.floor((now - s.startAt) / s.everyMs) + 1;
  const total = firingCount(s);
  if (total !== null) k = Math.min(k, total);
  const kAt = dueAt(s, k) ?? nextAt;
  if (now >= kAt + s.everyMs) return { kind: "expired", missed: { from: next, to: k } };
  return { kind: "fire", firing: k, dueAt: kAt, missed: k > next ? { from: next, to: k - 1 } : null };
}
