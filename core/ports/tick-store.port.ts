import type { Candle, PriceTick } from "../domain/price.js";

/** Ticks the market service recorded itself: chart history when no history source answers. */
export interface TickStore {
  record(ticks: readonly PriceTick[]): Promise<void>;
  history(mint: string, fromMs: number, toMs: number, stepMs: number): Promise<Candle[]>;
}
