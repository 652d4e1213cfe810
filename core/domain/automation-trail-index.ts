/**
 * The trailing stops of one token, indexed so that a quiet tick is O(1) and a new high is
 * O(1) in the common case.
 *
 * A trailing stop with distance f (a fraction) and high H fires when 1 - p / H >= f. Highs move:
 * a confirmed high h lifts every stop whose high is below h to h. Keying each stop by its level
 * H * (1 - f) would make every new high touch every stop of the token. Instead:
 *
 * - the floor group: the stops whose high is the group high Hg, in one sorted run keyed by f.
 *   Those that fire at p are a prefix (f <= 1 - p / Hg), and lifting the group is one assignment.
 *   After any lift every stop below the new high joins the group, so in a market that makes new
 *   highs nearly all stops live here.
 * - individual stops (a high of their own, e.g. set above the group's high, or lifted while the
 *   group's high is above the lift): keyed by high (to find who a lift reaches) and by level
 *   (to find who fires). A lift moves each individual it reaches into the group once, or, when the
 *   group's high is higher, to its new level.
 *
 * Levels of individuals are compared with a tiny margin and then decided with the exact rule
 * (1 - p / H >= f), so the index agrees with automation-trigger.ts to the last bit.
 *
 * Pure: imports only core/domain.
 */

import { checkHandle, HandleTable } from "./alert-index-table.js";
import { SortedRun } from "./alert-index-sorted.js";

/** Relative margin when taking candidate levels (float rounding of H * (1 - f) is far smaller). */
const MARGIN = 1e-9;
const IN_GROUP = -1;

const levelKey = (high: number, f: number) => -(high * (1 - f));

export class TrailIndex {
  /** Floor group: key f, id handle; all share `groupHigh`. */
  private readonly group = new SortedRun();
  private groupHigh = Number.NaN;
  /** Individuals: key high, and key -(high * (1 - f)), id handle. */
  private readonly byHigh = new SortedRun();
  private readonly byLevel = new SortedRun();
  /** handle -> f, and its high (IN_GROUP when in the group). */
  private readonly where = new HandleTable(2);

  get size(): number {
    return this.where.size;
  }

  has(handle: number): boolean {
    return this.where.has(handle);
  }

  /** The current high of a stop (undefined when absent). */
  highOf(handle: number): number | undefined {
    const slot = handle >= 0 ? this.where.slotOf(handle) : -1;
    if (slot < 0) return undefined;
    const h = this.where.valueAt(slot, 1);
    return h === IN_GROUP ? this.groupHigh : h;
  }

  /** f in (0, 1), high a positive finite price; a handle may be present once. */
  add(handle: number, f: number, high: number): void {
    checkHandle(handle);
    if (!(f > 0 && f < 1)) throw new RangeError(`trailing distance must be a fraction in (0, 1), got ${f}`);
    if (!(high > 0 && Number.isFinite(high))) throw new RangeError(`trailing high must be a positive finite number, got ${high}`);
    if (this.where.has(handle)) throw new RangeError(`trailing handle ${handle} is already indexed`);
    if (this.group.length === 0) this.groupHigh = high;
    if (high === this.groupHigh) {
      this.group.insert(f, handle);
      this.where.insert(handle, f, IN_GROUP);
    } else {
      this.byHigh.insert(high, handle);
      this.byLevel.insert(levelKey(high, f), handle);
      this.where.insert(handle, f, high);
    }
  }

  remove(handle: number): boolean {
    const slot = handle >= 0 ? this.where.slotOf(handle) : -1;
    if (slot < 0) return false;
    const f = this.where.valueAt(slot, 0);
    const high = this.where.valueAt(slot, 1);
    this.where.deleteAt(slot);
    if (high === IN_GROUP) return this.group.remove(f, handle);
    this.byHigh.remove(high, handle);
    return this.byLevel.remove(levelKey(high, f), handle);
  }

  /** True when a lift to h would change nothing (the quiet case). */
  private liftIsQuiet(h: number): boolean {
    return !(this.group.length > 0 && h > this.groupHigh) && !(this.byHigh.minKey < h);
  }

  /**
   * A confirmed high h: every stop whose high is below h now has high h. Returns whether any
   * high changed. O(1) when only the group moves; each individual joins the group at most once.
   */
  lift(h: number): boolean {
    if (!(h > 0 && Number.isFinite(h)) || this.liftIsQuiet(h)) return false;
    const reached: number[] = [];
    this.byHigh.takeUpTo(h, reached);
    // With the group at or below h (or empty), the group moves to h and everyone reached joins it.
    const joinGroup = this.group.length === 0 || h >= this.groupHigh;
    if (joinGroup) this.groupHigh = h;
    for (const handle of reached) {
      const slot = this.where.slotOf(handle);
      const f = this.where.valueAt(slot, 0);
      const high = this.where.valueAt(slot, 1);
      this.byLevel.remove(levelKey(high, f), handle);
      this.where.deleteAt(slot);
      if (joinGroup) {
        this.group.insert(f, handle);
        this.where.insert(handle, f, IN_GROUP);
      } else {
        // The group sits higher than h: the stop keeps a high of its own, now h.
        this.byHigh.insert(h, handle);
        this.byLevel.insert(levelKey(h, f), handle);
        this.where.insert(handle, f, h);
      }
    }
    return true;
  }

  /**
   * Stops that fire at price p (1 - p / H >= f), removed: their handles go to `out` and the high
   * each fell from to `highs`. Group first in ascending f, then individuals.
   */
  takeTriggered(p: number, out: number[], highs: number[]): void {
    if (!(p > 0 && Number.isFinite(p))) return;
    if (this.group.length > 0 && 1 - p / this.groupHigh >= this.group.minKey) {
      const from = out.length;
      this.group.takeUpTo(1 - p / this.groupHigh, out);
      for (let i = from; i < out.length; i++) {
        this.where.delete(out[i] ?? -1);
        highs.push(this.groupHigh);
      }
    }
    const q = -p * (1 - MARGIN);
    if (!(this.byLevel.minKey <= q)) return;
    const candidates: number[] = [];
    this.byLevel.takeUpTo(q, candidates);
    for (const handle of candidates) {
      const slot = this.where.slotOf(handle);
      const f = this.where.valueAt(slot, 0);
      const high = this.where.valueAt(slot, 1);
      if (1 - p / high >= f) {
        this.where.deleteAt(slot);
        this.byHigh.remove(high, handle);
        out.push(handle);
        highs.push(high);
      } else {
        this.byLevel.insert(levelKey(high, f), handle);
      }
    }
  }
}
