/**
 * The in-memory index behind price alerts: a price tick costs O(log n + fired), not a scan.
 *
 * Alerts are numeric handles (integers 0 .. 2^31 - 1); the alert engine maps its own ids to them.
 * Threshold levels sit in sorted typed arrays, one run per side, so the alerts a tick triggers are
 * always a prefix found by binary search; move alerts keep rolling min/max per window (see
 * alert-index-move.ts). Triggered handles are removed as they are returned: an alert fires once,
 * and firing again needs a new add.
 *
 * Pure: no imports outside core/domain, no clock, no I/O.
 */

import { checkHandle, HandleTable } from "./alert-index-table.js";
import { SortedRun } from "./alert-index-sorted.js";
import { MoveIndex } from "./alert-index-move.js";

export { MoveIndex } from "./alert-index-move.js";

export type Side = "above" | "below";

const isPrice = (p: number) => p > 0 && Number.isFinite(p);

/**
 * Per token: alerts "the price crosses above / below a level".
 *
 * Boundary: an `above` alert fires when p >= level, a `below` alert when p <= level (touching the
 * level counts). Internally both sides are one ascending run: `above` keyed by level, `below` keyed
 * by -level, so in each the triggered alerts are a prefix.
 */
export class ThresholdIndex {
  private readonly above = new SortedRun();
  private readonly below = new SortedRun();
  /** handle -> its key: +level for above, -level for below (the sign is the side). */
  private readonly where = new HandleTable(1);

  get size(): number {
    return this.where.size;
  }

  has(handle: number): boolean {
    return this.where.has(handle);
  }

  /** level must be a positive finite number; a handle may be present once. */
  add(handle: number, side: Side, level: number): void {
    checkHandle(handle);
    if (!isPrice(level)) throw new RangeError(`alert level must be a positive finite number, got ${level}`);
    if (side !== "above" && side !== "below") throw new RangeError(`alert side must be "above" or "below", got ${String(side)}`);
    if (this.where.has(handle)) throw new RangeError(`alert handle ${handle} is already indexed`);
    const key = side === "above" ? level : -level;
    (side === "above" ? this.above : this.below).insert(key, handle);
    this.where.insert(handle, key);
  }

  remove(handle: number): boolean {
    const slot = handle >= 0 ? this.where.slotOf(handle) : -1;
    if (slot < 0) return false;
    const key = this.where.valueAt(slot);
    this.where.deleteAt(slot);
    return (key > 0 ? this.above : this.below).remove(key, handle);
  }

  /**
   * Handles whose condition holds at price p, removed from the index: first the `above` ones in
   * ascending level, then the `below` ones in descending level (each side in the order a moving
   * price crosses them; equal levels first-added first). A price that is not a positive finite
   * number triggers nothing.
   */
  takeTriggered(p: number): number[] {
    const out: number[] = [];
    if (!isPrice(p)) return out;
    this.above.takeUpTo(p, out);
    this.below.takeUpTo(-p, out);
    for (let i = 0; i < out.length; i++) this.where.delete(out[i]!);
    return out;
  }

  /** The lowest `above` level and the highest `below` level (null when none): any price strictly between fires nothing. */
  quietBand(): { above: number | null; below: number | null } {
    const a = this.above.minKey;
    const b = this.below.minKey;
    return { above: a === Infinity ? null : a, below: b === Infinity ? null : -b };
  }
}

interface TokenAlerts {
  readonly id: number;
  thresholds: ThresholdIndex | null;
  moves: MoveIndex | null;
}

const KIND_THRESHOLD = 0;
const KIND_MOVE = 1;

/** All tokens: routes each handle to its token and structure, and each tick to its token. */
export class AlertIndex {
  private readonly byToken = new Map<string, TokenAlerts>();
  /** By id, for remove(handle); tokens are kept once seen (a handful of objects each). */
  private readonly tokens: TokenAlerts[] = [];
  /** handle -> tokenId * 2 + kind */
  private readonly where = new HandleTable(1);

  get size(): number {
    return this.where.size;
  }

  has(handle: number): boolean {
    return this.where.has(handle);
  }

  addThreshold(token: string, handle: number, side: Side, level: number): void {
    this.claim(handle);
    const t = this.entry(token);
    (t.thresholds ??= new ThresholdIndex()).add(handle, side, level);
    this.where.insert(handle, t.id * 2 + KIND_THRESHOLD);
  }

  addMove(token: string, handle: number, pct: number, windowMs: number): void {
    this.claim(handle);
    const t = this.entry(token);
    (t.moves ??= new MoveIndex()).add(handle, pct, windowMs);
    this.where.insert(handle, t.id * 2 + KIND_MOVE);
  }

  remove(handle: number): boolean {
    const slot = handle >= 0 ? this.where.slotOf(handle) : -1;
    if (slot < 0) return false;
    const v = this.where.valueAt(slot);
    this.where.deleteAt(slot);
    const t = this.tokens[Math.floor(v / 2)]!;
    return v % 2 === KIND_THRESHOLD ? t.thresholds!.remove(handle) : t.moves!.remove(handle);
  }

  /**
   * Feeds one price tick for `token` (t in epoch ms) and returns the handles it triggered, removed
   * from the index: thresholds first (see ThresholdIndex.takeTriggered), then move alerts (see
   * MoveIndex). NaN, non-finite, zero or negative prices fire nothing and are not recorded.
   */
  onTick(token: string, t: number, p: number): number[] {
    if (!isPrice(p)) return [];
    const entry = this.byToken.get(token);
    if (!entry) return [];
    const fired = entry.thresholds ? entry.thresholds.takeTriggered(p) : [];
    if (entry.moves) {
      const moved = entry.moves.tick(t, p);
      for (let i = 0; i < moved.length; i++) fired.push(moved[i]!);
    }
    for (let i = 0; i < fired.length; i++) this.where.delete(fired[i]!);
    return fired;
  }

  private claim(handle: number): void {
    checkHandle(handle);
    if (this.where.has(handle)) throw new RangeError(`alert handle ${handle} is already indexed`);
  }

  private entry(token: string): TokenAlerts {
    let entry = this.byToken.get(token);
    if (!entry) {
      entry = { id: this.tokens.length, thresholds: null, moves: null };
      this.tokens.push(entry);
      this.byToken.set(token, entry);
    }
    return entry;
  }
}
