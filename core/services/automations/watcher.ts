import { AutomationBook } from "../../domain/automation-index.js";
import { watchOf } from "../../domain/automation-trigger.js";
import { isPriceTrigger, type Automation } from "../../domain/automation.js";
import type { PriceTick } from "../../domain/price.js";
import { TickFilter } from "../tick-filter.js";
import type { AutomationDeps } from "./types.js";

/** Fires a price trigger: the automation, the good price that fired it, when the tick arrived. */
export type FireTrigger = (a: Automation, usd: number, receivedAt: number) => void;

/**
 * Price triggers: armed limit orders, stops, take-profits and trailing stops sit in the indexed
 * book (automation-index.ts: a quiet tick is O(1) per token, no scan), fed by the same price stream
 * and the same good-price judge (TickFilter) as alerts. Stops and trailing stops fire only when the
 * next good tick confirms the crossing; trailing highs are persisted as they rise, so a restart
 * keeps them. A fired trigger leaves the book (it fires once).
 */
export class PriceWatcher {
  private readonly book = new AutomationBook();
  private readonly handleOf = new Map<string, number>();
  private readonly byHandle = new Map<number, Automation>();
  private nextHandle = 1;
  readonly filter: TickFilter;
  /** The global kill switch as last read: while on, ticks move nothing. */
  paused = false;

  constructor(
    private readonly d: AutomationDeps,
    private readonly fire: FireTrigger,
    private readonly background: (work: Promise<unknown>) => void,
  ) {
    const s = d.settings;
    this.filter = new TickFilter({
      marketNow: d.marketNow,
      maxAgeMs: s.maxTickAgeMs,
      ...(d.mode ? { mode: d.mode } : {}),
      ...(s.maxDeviationPct !== undefined ? { maxDeviationPct: s.maxDeviationPct } : {}),
    });
  }

  get size(): number {
    return this.book.size;
  }

  has(id: string): boolean {
    return this.handleOf.has(id);
  }

  /** The mints armed triggers watch (to be polled). */
  mints(): Set<string> {
    return new Set([...this.byHandle.values()].map((a) => a.rule.token.mint));
  }

  /**
   * Takes in an automation as stored: an armed price trigger is watched (one already watched keeps
   * its place, its pending confirmation and its high), anything else is not.
   */
  load(a: Automation): void {
    if (a.state !== "armed" || !isPriceTrigger(a.rule.kind)) {
      this.forget(a.id);
      return;
    }
    if (this.handleOf.has(a.id)) return;
    const watch = watchOf(a.rule, a.high);
    if (!watch) return;
    const h = this.nextHandle++;
    this.book.add(a.rule.token.mint, h, watch);
    this.handleOf.set(a.id, h);
    this.byHandle.set(h, a);
  }

  forget(id: string): void {
    const h = this.handleOf.get(id);
    if (h === undefined) return;
    this.book.remove(h);
    this.handleOf.delete(id);
    this.byHandle.delete(h);
  }

  /** The price stream. */
  onTicks(ticks: readonly PriceTick[]): void {
    if (this.paused) return;
    const receivedAt = this.d.clock.now();
    for (const t of ticks) {
      if (this.filter.judge(t) !== null) continue;
      const r = this.book.onGoodTick(t.mint, t.at, t.usd);
      if (r.raisedTo !== null) this.background(this.d.store.raiseHigh(t.mint, r.raisedTo, this.d.clock.now()));
      for (const f of r.fired) {
        const a = this.byHandle.get(f.handle);
        this.byHandle.delete(f.handle);
        if (!a) continue;
        this.handleOf.delete(a.id);
        this.fire(f.high !== null ? { ...a, high: f.high } : a, f.usd, receivedAt);
      }
    }
  }
}
