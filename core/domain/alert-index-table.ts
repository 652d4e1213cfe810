/**
 * A compact map from alert handles to a few float64 values, for the alert index.
 *
 * Handles are non-negative 32-bit integers (0 .. 2^31 - 1). Open addressing with linear probing,
 * Fibonacci hashing and backward-shift deletion (no tombstones, so lookups never slow down after
 * churn). Keys and values live in typed arrays: about 12 bytes per slot for one value column,
 * kept between 1/6 and 2/3 full, and nothing for the garbage collector to trace.
 */

const EMPTY = -1;
const MIN_BITS = 4;

/** Throws unless `h` is a valid handle (an integer in 0 .. 2^31 - 1). */
export function checkHandle(h: number): void {
  if ((h | 0) !== h || h < 0) throw new RangeError(`alert handle must be an integer in 0..2147483647, got ${h}`);
}

export class HandleTable {
  private bits = MIN_BITS;
  private keys = new Int32Array(1 << MIN_BITS).fill(EMPTY);
  private vals: Float64Array;
  private count = 0;

  /** `stride`: how many float64 values each handle carries. */
  constructor(readonly stride: number) {
    this.vals = new Float64Array((1 << MIN_BITS) * stride);
  }

  get size(): number {
    return this.count;
  }

  private home(h: number): number {
    return Math.imul(h, 0x9e3779b1) >>> (32 - this.bits);
  }

  /** The slot holding `h`, or -1. */
  slotOf(h: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = this.home(h); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === h) return i;
      if (k === EMPTY) return -1;
    }
  }

  /** Value column `col` of the handle in `slot` (from slotOf). */
  valueAt(slot: number, col = 0): number {
    return this.vals[slot * this.stride + col]!;
  }

  has(h: number): boolean {
    return h >= 0 && this.slotOf(h) >= 0;
  }

  /** Adds `h` (which must be absent: callers check with slotOf/has) with its values. */
  insert(h: number, v0: number, v1 = 0): void {
    if ((this.count + 1) * 3 > this.keys.length * 2) this.resize(this.bits + 1);
    this.place(h, v0, v1);
    this.count++;
  }

  /** Removes `h`; false when absent. */
  delete(h: number): boolean {
    const slot = h >= 0 ? this.slotOf(h) : -1;
    if (slot < 0) return false;
    this.deleteAt(slot);
    return true;
  }

  /** Removes the handle in `slot` (from slotOf), closing the gap by shifting later probes back. */
  deleteAt(slot: number): void {
    const keys = this.keys;
    const vals = this.vals;
    const stride = this.stride;
    const mask = keys.length - 1;
    let gap = slot;
    for (let j = (slot + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.home(keys[j]!);
      // The entry at j may move into the gap unless its home lies cyclically in (gap, j].
      const stays = gap <= j ? gap < home && home <= j : gap < home || home <= j;
      if (stays) continue;
      keys[gap] = keys[j]!;
      vals.copyWithin(gap * stride, j * stride, j * stride + stride);
      gap = j;
    }
    keys[gap] = EMPTY;
    this.count--;
    if (this.bits > MIN_BITS && this.count * 6 < keys.length) this.resize(this.bits - 1);
  }

  private place(h: number, v0: number, v1: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = this.home(h);
    while (keys[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = h;
    const at = i * this.stride;
    this.vals[at] = v0;
    if (this.stride > 1) this.vals[at + 1] = v1;
  }

  private resize(bits: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const stride = this.stride;
    this.bits = bits;
    this.keys = new Int32Array(1 << bits).fill(EMPTY);
    this.vals = new Float64Array((1 << bits) * stride);
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== EMPTY) this.place(k, oldVals[i * stride]!, stride > 1 ? oldVals[i * stride + 1]! : 0);
    }
  }
}
