import { judgeTick, type TickRejection } from "../domain/automation-trigger.js";
import type { PriceTick } from "../domain/price.js";

export type { TickRejection } from "../domain/automation-trigger.js";

export interface TickFilterOptions {
  /** Market time (the replay clock when replaying): ticks older than maxAgeMs are stale. */
  marketNow: () => number;
  maxAgeMs: number;
  /**
   * Whether prices are live or replayed right now: a replay-labelled tick while live (or a live one
   * while replaying) is refused. Absent: the label is not judged.
   */
  mode?: () => "live" | "replay";
  /** Largest gap (%) from another source's recent price for the same token; absent: not judged. */
  maxDeviationPct?: number;
}

interface Seen {
  usd: number;
  at: number;
}

/**
 * The one judge of ticks from the price stream, shared by everything that acts on a price (alerts,
 * automations): a NaN, zero or negative, stale, deviating (from another source's recent good price
 * of the token) or wrongly labelled (replay while live) tick is refused and acts on nothing. The
 * rules are automation-trigger.ts's judgeTick; this adds the memory of each source's last good price
 * that the deviation check needs.
 */
export class TickFilter {
  /** mint -> source -> its last good price. */
  private readonly bySource = new Map<string, Map<string, Seen>>();
  readonly rejected: Partial<Record<TickRejection, number>> = {};

  constructor(private readonly o: TickFilterOptions) {}

  /** Why the tick must not be acted on, or null for a good price (then remembered as a reference). */
  judge(t: PriceTick): TickRejection | null {
    const now = this.o.marketNow();
    const mode = this.o.mode?.() ?? (t.replay === true ? "replay" : "live");
    const reference = this.o.maxDeviationPct === undefined ? undefined : this.reference(t, now);
    const bad = judgeTick(t, {
      now,
      maxAgeMs: this.o.maxAgeMs,
      mode,
      ...(reference !== undefined ? { reference, maxDeviationPct: this.o.maxDeviationPct } : {}),
    });
    if (bad) {
      this.rejected[bad] = (this.rejected[bad] ?? 0) + 1;
      return bad;
    }
    let m = this.bySource.get(t.mint);
    if (!m) this.bySource.set(t.mint, (m = new Map()));
    m.set(t.source, { usd: t.usd, at: t.at });
    return null;
  }

  /** The freshest good price another source gave for the token within the max age. */
  private reference(t: PriceTick, now: number): number | undefined {
    const m = this.bySource.get(t.mint);
    if (!m) return undefined;
    let best: Seen | undefined;
    for (const [source, s] of m) {
      if (source === t.source || now - s.at > this.o.maxAgeMs) continue;
      if (!best || s.at > best.at) best = s;
    }
    return best?.usd;
  }
}
