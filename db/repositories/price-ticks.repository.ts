import type { Kysely } from "kysely";
import type { Candle, PriceTick } from "../../core/domain/price.js";
import type { TickStore } from "../../core/ports/tick-store.port.js";
import type { Database } from "../schema.js";

export class KyselyTickStore implements TickStore {
  constructor(private readonly db: Kysely<Database>) {}

  async record(ticks: readonly PriceTick[]): Promise<void> {
    if (!ticks.length) return;
    await this.db
      .insertInto("price_ticks")
      .values(ticks.map((t) => ({ mint: t.mint, at: Math.round(t.at), usd: t.usd, source: t.source })))
      .onConflict((oc) => oc.columns(["mint", "at"]).doNothing())
      .execute();
  }

  /** Ticks bucketed by `stepMs` into candles. */
  async history(mint: string, fromMs: number, toMs: number, stepMs: number): Promise<Candle[]> {
    const rows = await this.db
      .selectFrom("price_ticks")
      .select(["at", "usd"])
      .where("mint", "=", mint)
      .where("at", ">=", fromMs)
      .where("at", "<=", toMs)
      .orderBy("at")
      .execute();
    const out: Candle[] = [];
    for (const r of rows) {
      const at = Number(r.at);
      const usd = Number(r.usd);
      const t = Math.floor(at / stepMs) * stepMs;
      const last = out[out.length - 1];
      if (last && last.t === t) {
        last.h = Math.max(last.h, usd);
        last.l = Math.min(last.l, usd);
        last.c = usd;
      } else out.push({ t, o: usd, h: usd, l: usd, c: usd });
    }
    return out;
  }
}
