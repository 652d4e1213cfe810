/**
 * The in-memory index behind price automations: a quiet tick costs O(1) per token (a map lookup
 * and a few comparisons), whatever the number of automations, and a tick that fires k of them
 * O(log n + k).
 *
 * Per token: fixed levels (limit buys, stops, limit sells, take-profits) sit in the alert index's
 * ThresholdIndex (sorted runs: what a price crosses is a prefix found by binary search); trailing
 * stops sit in a TrailIndex (automation-trail-index.ts). Around them the book applies the rules of
 * automation-trigger.ts exactly: it only sees good ticks (the caller judges them with judgeTick),
 * ignores a tick not later than the token's last one (a redelivery or a reordering), lifts
 * trailing highs to min(previous good tick, this tick), parks the first crossing of a stop or
 * trailing stop as pending and fires it only when the next good tick is also past its level, else
 * puts it back.
 *
 * Automations are numeric handles (0 .. 2^31 - 1), mapped by the caller to its ids. Fired handles
 * leave the index (a price trigger fires once).
 *
 * Pure: imports only core/domain.
 */

import { checkHandle, HandleTable } from "./alert-index-table.js";
import { ThresholdIndex } from "./alert-index.js";
import { TrailIndex } from "./automation-trail-index.js";
import { isBeyond, judgeTick, type Pending, type TickContext, type TickRejection, type Watch } from "./automation-trigger.js";
import type { PriceQuote } from "./price.js";

/** Handle codes: bit 1 below (else above), bit 2 needs confirmation, bit 4 trailing. */
const BELOW = 1;
const CONFIRM = 2;
const TRAIL = 4;
const CODES = 8;

export interface Fired {
  handle: number;
  /** The price it fired at (this tick's). */
  usd: number;
  /** Trailing stops: the high it fell from; null for fixed levels. */
  high: number | null;
}

/** What one tick did. `raisedTo`: every trailing stop of the token whose high was below it now has it (persist that). */
export interface BookTick {
  /** Not a good price (judgeTick): nothing looked at it. */
  readonly rejected: TickRejection | null;
  /** A good price not later than the token's last one (redelivered or reordered): nothing looked at it. */
  readonly ignored: boolean;
  readonly fired: readonly Fired[];
  /** First crossings of stops and trailing stops, waiting for the next good tick. */
  readonly pending: readonly number[];
  /** Pending ones this tick did not confirm: armed again. */
  readonly unconfirmed: readonly number[];
  readonly raisedTo: number | null;
}

const none: readonly never[] = Object.freeze([]);
const nothing = (rejected: TickRejection | null, ignored: boolean): BookTick =>
  Object.freeze({ rejected, ignored, fired: none, pending: none, unconfirmed: none, raisedTo: null });
const QUIET = nothing(null, false);
const IGNORED = nothing(null, true);
const REJECTED = new Map<TickRejection, BookTick>();

interface PendingEntry extends Pending {
  handle: number;
  watch: Watch;
}

interface TokenBook {
  readonly id: number;
  levels: ThresholdIndex | null;
  trails: TrailIndex | null;
  pending: PendingEntry[];
  /** The last good tick: its price (null before the first) and observation time. */
  last: number | null;
  lastAt: number;
}

const isPrice = (p: number) => p > 0 && Number.isFinite(p);

export class AutomationBook {
  private readonly byToken = new Map<string, TokenBook>();
  private readonly tokens: TokenBook[] = [];
  /** handle -> tokenId * CODES + code, and its level (fixed levels) or f (trailing). */
  private readonly where = new HandleTable(2);
  private readonly fired: Fired[] = [];
  private readonly pending: number[] = [];
  private readonly unconfirmed: number[] = [];

  get size(): number {
    return this.where.size;
  }

  has(handle: number): boolean {
    return this.where.has(handle);
  }

  /** The last good price seen for a token (the trailing highs' confirmation reference). */
  lastPrice(token: string): number | null {
    return this.byToken.get(token)?.last ?? null;
  }

  /** A trailing stop's current high (undefined when not a trailing stop in the book). */
  highOf(handle: number): number | undefined {
    const t = this.locate(handle);
    if (!t) return undefined;
    const p = t.book.pending.find((e) => e.handle === handle);
    if (p) return p.watch.kind === "trail" ? p.watch.high : undefined;
    return t.book.trails?.highOf(handle);
  }

  /** Whether a handle is waiting for its confirming tick. */
  isPending(handle: number): boolean {
    return this.locate(handle)?.book.pending.some((e) => e.handle === handle) ?? false;
  }

  add(token: string, handle: number, watch: Watch): void {
    checkHandle(handle);
    if (this.where.has(handle)) throw new RangeError(`automation handle ${handle} is already indexed`);
    const book = this.entry(token);
    this.place(book, handle, watch);
  }

  remove(handle: number): boolean {
    const t = this.locate(handle);
    if (!t) return false;
    this.where.deleteAt(t.slot);
    const i = t.book.pending.findIndex((e) => e.handle === handle);
    if (i >= 0) {
      t.book.pending.splice(i, 1);
      return true;
    }
    if (t.code & TRAIL) return t.book.trails?.remove(handle) ?? false;
    return t.book.levels?.remove(handle) ?? false;
  }

  /**
   * One tick from the price stream: judged first (judgeTick: NaN, non-positive, stale, deviating,
   * replay while live), and only a good price reaches onGoodTick.
   */
  onTick(token: string, tick: Pick<PriceQuote, "usd" | "at" | "replay">, ctx: TickContext): BookTick {
    const bad = judgeTick(tick, ctx);
    if (bad === null) return this.onGoodTick(token, tick.at, tick.usd);
    let r = REJECTED.get(bad);
    if (!r) REJECTED.set(bad, (r = nothing(bad, false)));
    return r;
  }

  /**
   * One good tick: p observed at `at` for `token` (the caller has judged it with judgeTick).
   * Returns the shared QUIET result when nothing happened.
   */
  onGoodTick(token: string, at: number, p: number): BookTick {
    if (!isPrice(p) || !Number.isFinite(at)) return IGNORED;
    const book = this.entry(token);
    if (at <= book.lastAt) return IGNORED;
    const prev = book.last;
    book.last = p;
    book.lastAt = at;
    let raisedTo: number | null = null;
    if (book.trails && prev !== null) {
      const h = Math.min(prev, p);
      if (book.trails.lift(h)) raisedTo = h;
    }
    // Scratch arrays: a quiet tick allocates nothing of its own.
    const { fired, pending, unconfirmed } = this;
    fired.length = pending.length = unconfirmed.length = 0;
    if (book.pending.length) this.confirm(book, p, fired, unconfirmed);
    if (book.levels && book.levels.size) this.takeLevels(book, book.levels, at, p, fired, pending);
    if (book.trails && book.trails.size) this.takeTrails(book, book.trails, at, p, pending);
    if (!fired.length && !pending.length && !unconfirmed.length && raisedTo === null) return QUIET;
    return { rejected: null, ignored: false, fired: fired.slice(), pending: pending.slice(), unconfirmed: unconfirmed.slice(), raisedTo };
  }

  /** Pending crossings meet their next tick: past the level again fires, else back to armed. */
  private confirm(book: TokenBook, p: number, fired: Fired[], unconfirmed: number[]): void {
    const waiting = book.pending;
    book.pending = [];
    for (const e of waiting) {
      if (isBeyond(e.watch, p)) {
        this.where.delete(e.handle);
        fired.push({ handle: e.handle, usd: p, high: e.watch.kind === "trail" ? e.watch.high : null });
      } else {
        unconfirmed.push(e.handle);
        this.insert(book, e.handle, e.watch);
      }
    }
  }

  private takeLevels(book: TokenBook, levels: ThresholdIndex, at: number, p: number, fired: Fired[], pending: number[]): void {
    const crossed = levels.takeTriggered(p);
    for (const handle of crossed) {
      const slot = this.where.slotOf(handle);
      const code = this.where.valueAt(slot, 0) % CODES;
      if (code & CONFIRM) {
        const watch: Watch = { kind: "level", side: code & BELOW ? "below" : "above", level: this.where.valueAt(slot, 1), confirm: true };
        book.pending.push({ handle, at, usd: p, watch });
        pending.push(handle);
      } else {
        this.where.deleteAt(slot);
        fired.push({ handle, usd: p, high: null });
      }
    }
  }

  private takeTrails(book: TokenBook, trails: TrailIndex, at: number, p: number, pending: number[]): void {
    const crossed: number[] = [];
    const highs: number[] = [];
    trails.takeTriggered(p, crossed, highs);
    for (let i = 0; i < crossed.length; i++) {
      const handle = crossed[i] ?? -1;
      const slot = this.where.slotOf(handle);
      const watch: Watch = { kind: "trail", f: this.where.valueAt(slot, 1), high: highs[i] ?? Number.NaN };
      book.pending.push({ handle, at, usd: p, watch });
      pending.push(handle);
    }
  }

  /** Registers a handle and puts it in its structure. */
  private place(book: TokenBook, handle: number, watch: Watch): void {
    if (watch.kind === "trail") {
      (book.trails ??= new TrailIndex()).add(handle, watch.f, watch.high);
      this.where.insert(handle, book.id * CODES + TRAIL, watch.f);
    } else {
      if (!isPrice(watch.level)) throw new RangeError(`automation level must be a positive finite number, got ${watch.level}`);
      (book.levels ??= new ThresholdIndex()).add(handle, watch.side, watch.level);
      const code = (watch.side === "below" ? BELOW : 0) | (watch.confirm ? CONFIRM : 0);
      this.where.insert(handle, book.id * CODES + code, watch.level);
    }
  }

  /** Back into its structure after an unconfirmed crossing (the handle stays registered). */
  private insert(book: TokenBook, handle: number, watch: Watch): void {
    if (watch.kind === "trail") (book.trails ??= new TrailIndex()).add(handle, watch.f, watch.high);
    else (book.levels ??= new ThresholdIndex()).add(handle, watch.side, watch.level);
  }

  private locate(handle: number): { slot: number; code: number; book: TokenBook } | undefined {
    const slot = handle >= 0 ? this.where.slotOf(handle) : -1;
    if (slot < 0) return undefined;
    const v = this.where.valueAt(slot, 0);
    const book = this.tokens[Math.floor(v / CODES)];
    return book ? { slot, code: v % CODES, book } : undefined;
  }

  private entry(token: string): TokenBook {
    let book = this.byToken.get(token);
    if (!book) {
      book = { id: this.tokens.length, levels: null, trails: null, pending: [], last: null, lastAt: -Infinity };
      this.tokens.push(book);
      this.byToken.set(token, book);
    }
    return book;
  }
}
