/**
 * A sorted run of (key, handle) pairs in two parallel typed arrays, for the alert index.
 *
 * Keys ascend; equal keys keep insertion order (first in, first out). The live entries occupy
 * [start, end) of the arrays, with free room at both ends, so:
 * - taking every entry with key <= q (a prefix) is a binary search plus moving `start`: O(log n + taken);
 * - insert and remove are a binary search plus a memmove (copyWithin) of the shorter side;
 * - the arrays double when full and shrink by four when under an eighth full.
 */

const MIN_CAP = 16;

export class SortedRun {
  private keys = new Float64Array(MIN_CAP);
  private ids = new Int32Array(MIN_CAP);
  private start = MIN_CAP >> 1;
  private end = MIN_CAP >> 1;

  get length(): number {
    return this.end - this.start;
  }

  /** The smallest key, or +Infinity when empty. */
  get minKey(): number {
    return this.end > this.start ? this.keys[this.start]! : Infinity;
  }

  /** Inserts after any equal keys. */
  insert(key: number, id: number): void {
    if (this.start === 0 && this.end === this.keys.length) this.resize(this.keys.length * 2);
    const { keys, ids } = this;
    const pos = this.upperBound(key);
    const canLeft = this.start > 0;
    const canRight = this.end < keys.length;
    if (canLeft && (!canRight || pos - this.start <= this.end - pos)) {
      keys.copyWithin(this.start - 1, this.start, pos);
      ids.copyWithin(this.start - 1, this.start, pos);
      this.start--;
      keys[pos - 1] = key;
      ids[pos - 1] = id;
    } else {
      keys.copyWithin(pos + 1, pos, this.end);
      ids.copyWithin(pos + 1, pos, this.end);
      this.end++;
      keys[pos] = key;
      ids[pos] = id;
    }
  }

  /** Removes the entry (key, id); false when there is none. Scans the run of equal keys. */
  remove(key: number, id: number): boolean {
    const { keys, ids } = this;
    for (let i = this.lowerBound(key); i < this.end && keys[i] === key; i++) {
      if (ids[i] !== id) continue;
      if (i - this.start < this.end - 1 - i) {
        keys.copyWithin(this.start + 1, this.start, i);
        ids.copyWithin(this.start + 1, this.start, i);
        this.start++;
      } else {
        keys.copyWithin(i, i + 1, this.end);
        ids.copyWithin(i, i + 1, this.end);
        this.end--;
      }
      this.afterShrink();
      return true;
    }
    return false;
  }

  /** Removes every entry with key <= q and appends their ids to `out`, in key order. */
  takeUpTo(q: number, out: number[]): void {
    if (this.end === this.start || !(this.keys[this.start]! <= q)) return;
    const stop = this.upperBound(q);
    const ids = this.ids;
    for (let i = this.start; i < stop; i++) out.push(ids[i]!);
    this.start = stop;
    this.afterShrink();
  }

  /** Every (key, id) in order; for tests and diagnostics. */
  *entries(): IterableIterator<[number, number]> {
    for (let i = this.start; i < this.end; i++) yield [this.keys[i]!, this.ids[i]!];
  }

  /** First index in [start, end) whose key is > key. */
  private upperBound(key: number): number {
    let lo = this.start;
    let hi = this.end;
    const keys = this.keys;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index in [start, end) whose key is >= key. */
  private lowerBound(key: number): number {
    let lo = this.start;
    let hi = this.end;
    const keys = this.keys;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private afterShrink(): void {
    const n = this.end - this.start;
    const cap = this.keys.length;
    if (n === 0) {
      this.start = this.end = cap >> 1;
      if (cap > MIN_CAP) this.resize(MIN_CAP);
    } else if (cap > MIN_CAP && n * 8 < cap) {
      this.resize(Math.max(MIN_CAP, cap >> 2));
    }
  }

  /** Reallocates to `cap` slots with the live entries centred. */
  private resize(cap: number): void {
    const n = this.end - this.start;
    const at = (cap - n) >> 1;
    const keys = new Float64Array(cap);
    const ids = new Int32Array(cap);
    keys.set(this.keys.subarray(this.start, this.end), at);
    ids.set(this.ids.subarray(this.start, this.end), at);
    this.keys = keys;
    this.ids = ids;
    this.start = at;
    this.end = at + n;
  }
}
