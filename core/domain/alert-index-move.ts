/**
 * Move alerts for one token: "the price moves by at least pct% within windowMs", either direction.
 *
 * Alerts are grouped by window length. Each window keeps the rolling minimum and maximum of the
 * ticks in [t - windowMs, t] with two monotonic deques (amortised O(1) per tick), and its alerts
 * sorted by threshold, so a tick costs O(windows * log n + fired), never a scan of the alerts.
 */

import { checkHandle, HandleTable } from "./alert-index-table.js";
import { SortedRun } from "./alert-index-sorted.js";

/** Slack on the move comparison (as a fraction, i.e. 1e-10 %), so a 5.000% move meets a 5% alert despite float rounding. */
const MOVE_EPSILON = 1e-12;

/**
 * Ring buffer of (time, value) with values strictly increasing from front to back: the front is
 * the minimum of everything pushed since the oldest kept time. (The max deque stores -price.)
 */
class MinDeque {
  private times = new Float64Array(16);
  private vals = new Float64Array(16);
  private head = 0;
  private len = 0;

  get front(): number {
    return this.vals[this.head]!;
  }

  push(t: number, v: number): void {
    const mask = this.times.length - 1;
    while (this.len > 0 && this.vals[(this.head + this.len - 1) & mask]! >= v) this.len--;
    if (this.len === this.times.length) this.grow();
    const i = (this.head + this.len) & (this.times.length - 1);
    this.times[i] = t;
    this.vals[i] = v;
    this.len++;
  }

  /** Drops entries older than `from` (keeps times >= from); the newest entry always stays. */
  expire(from: number): void {
    const mask = this.times.length - 1;
    while (this.len > 1 && this.times[this.head]! < from) {
      this.head = (this.head + 1) & mask;
      this.len--;
    }
  }

  private grow(): void {
    const cap = this.times.length;
    const times = new Float64Array(cap * 2);
    const vals = new Float64Array(cap * 2);
    for (let k = 0; k < this.len; k++) {
      const i = (this.head + k) & (cap - 1);
      times[k] = this.times[i]!;
      vals[k] = this.vals[i]!;
    }
    this.times = times;
    this.vals = vals;
    this.head = 0;
  }
}

class MoveWindow {
  /** Keys are thresholds as fractions (pct / 100), ascending. */
  readonly alerts = new SortedRun();
  readonly lows = new MinDeque();
  /** Holds -price, so its front is -max. */
  readonly highs = new MinDeque();
  constructor(readonly windowMs: number) {}
}

/**
 * Per token: move alerts. Semantics worth knowing:
 * - a window's tick history starts when its first alert is added and ends when its last one
 *   fires or is removed; an alert joining a window that already has alerts sees that window's
 *   recent ticks (at most windowMs old), so it can fire on the next tick;
 * - ticks must arrive in time order: a tick older than the last one (or with a non-finite time,
 *   or a price that is not a positive finite number) is ignored and fires nothing;
 * - handles fired by one tick come grouped by window (in the order the windows were created),
 *   each group in ascending pct, equal pcts first-added first.
 */
export class MoveIndex {
  private readonly where = new HandleTable(2); // handle -> (pct / 100, windowMs)
  private readonly windows = new Map<number, MoveWindow>();
  private lastT = -Infinity;

  get size(): number {
    return this.where.size;
  }

  has(handle: number): boolean {
    return this.where.has(handle);
  }

  /** pct > 0 (a percentage: 5 means 5%), windowMs > 0, both finite; a handle may be present once. */
  add(handle: number, pct: number, windowMs: number): void {
    checkHandle(handle);
    if (!(pct > 0) || !Number.isFinite(pct)) throw new RangeError(`move alert pct must be a positive finite number, got ${pct}`);
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new RangeError(`move alert window must be a positive finite number of ms, got ${windowMs}`);
    if (this.where.has(handle)) throw new RangeError(`alert handle ${handle} is already indexed`);
    let w = this.windows.get(windowMs);
    if (!w) this.windows.set(windowMs, (w = new MoveWindow(windowMs)));
    const key = pct / 100;
    w.alerts.insert(key, handle);
    this.where.insert(handle, key, windowMs);
  }

  remove(handle: number): boolean {
    const slot = handle >= 0 ? this.where.slotOf(handle) : -1;
    if (slot < 0) return false;
    const key = this.where.valueAt(slot, 0);
    const windowMs = this.where.valueAt(slot, 1);
    this.where.deleteAt(slot);
    const w = this.windows.get(windowMs);
    if (w) {
      w.alerts.remove(key, handle);
      if (w.alerts.length === 0) this.windows.delete(windowMs);
    }
    return true;
  }

  /** Feeds one tick; returns the handles it triggered, which are removed. */
  tick(t: number, p: number): number[] {
    const out: number[] = [];
    if (!(p > 0) || !Number.isFinite(p) || !Number.isFinite(t) || t < this.lastT) return out;
    this.lastT = t;
    for (const w of this.windows.values()) {
      const from = t - w.windowMs;
      w.lows.push(t, p);
      w.lows.expire(from);
      w.highs.push(t, -p);
      w.highs.expire(from);
      const min = w.lows.front;
      const max = -w.highs.front;
      const move = Math.max((p - min) / min, (max - p) / max);
      const before = out.length;
      w.alerts.takeUpTo(move + MOVE_EPSILON, out);
      if (out.length === before) continue;
      for (let i = before; i < out.length; i++) this.where.delete(out[i]!);
      if (w.alerts.length === 0) this.windows.delete(w.windowMs);
    }
    return out;
  }
}
