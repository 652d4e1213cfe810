import type { Candle } from "../domain/price.js";
import type { Token } from "../domain/token.js";
import { UserError } from "../errors.js";
import type { ChartSeries } from "../ports/market.port.js";
import type { HistoryRange, PriceHistorySource } from "../ports/price-source.port.js";
import type { TickStore } from "../ports/tick-store.port.js";
import type { ReplaySource } from "./market-source.js";

export const RANGES: Record<HistoryRange, { ms: number; stepMs: number }> = {
  "1d": { ms: 86_400_000, stepMs: 15 * 60_000 },
  "7d": { ms: 7 * 86_400_000, stepMs: 3_600_000 },
  "30d": { ms: 30 * 86_400_000, stepMs: 4 * 3_600_000 },
  "90d": { ms: 90 * 86_400_000, stepMs: 86_400_000 },
};

export interface HistorySources {
  mode: "live" | "replay";
  /** Market time (the playback's in replay). */
  now: number;
  history?: PriceHistorySource[];
  ticks?: TickStore;
  replay?: ReplaySource;
  failed: (source: string, err: unknown) => void;
}

/** Chart history: history sources, else recorded ticks, else replay candles (labelled). */
export async function chartHistory(s: HistorySources, token: Token, range: HistoryRange): Promise<ChartSeries> {
  const { ms, stepMs } = RANGES[range];
  const toPoints = (c: Candle[]) => c.filter((x) => Number.isFinite(x.c) && x.c > 0).map((x) => ({ t: x.t, v: x.c }));
  if (s.mode === "live") {
    for (const h of s.history ?? []) {
      try {
        const pts = toPoints(await h.history(token, s.now - ms, s.now, stepMs));
        if (pts.length >= 2) return { points: pts, source: h.name, replay: false };
      } catch (err) {
        s.failed(h.name, err);
      }
    }
    if (s.ticks) {
      const pts = toPoints(await s.ticks.history(token.mint, s.now - ms, s.now, stepMs));
      if (pts.length >= 2) return { points: pts, source: "recorded ticks", replay: false };
    }
  }
  if (s.replay) {
    const end = s.mode === "replay" ? s.replay.now() : s.replay.range().to;
    const pts = toPoints(await s.replay.history(token, end - ms, end, stepMs));
    if (pts.length >= 2) return { points: pts, source: "replay", replay: true };
  }
  throw new UserError("history_unavailable", `No price history for ${token.symbol} is available right now.`);
}
