import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryPriceBus } from "../../adapters/memory/memory-bus.js";
import { BUILTIN_TOKENS } from "../../core/domain/builtin-tokens.js";
import type { AlertStore } from "../../core/ports/alerts.port.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { AlertEngine } from "../../core/services/alert-engine.service.js";
import { repositories, type Db, type Repositories } from "../../db/index.js";
import { FakeClock } from "../helpers/clock.js";
import { testDatabases, type TestDb } from "../helpers/databases.js";

const SOL = BUILTIN_TOKENS.find((t) => t.symbol === "SOL")!;

/** The store with a count of the alert rows every read hands back (whatever the method). */
function counting(store: AlertStore) {
  const seen = { rows: 0 };
  const spy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        const out = (await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
        if (Array.isArray(out)) seen.rows += out.length;
        else if (out && typeof out === "object" && Array.isArray((out as { alerts?: unknown }).alerts)) seen.rows += (out as { alerts: unknown[] }).alerts.length;
        return out;
      };
    },
  });
  return { spy, seen };
}

for (const target of testDatabases()) {
  describe.skipIf(target.skip)(`alert engine sync on ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ""}`, () => {
    let t: TestDb;
    let d: Db;
    let r: Repositories;
    const clock = new FakeClock();
    const engine = (store: AlertStore) =>
      new AlertEngine({ store, bus: new MemoryPriceBus(), clock, log: silentLogger, marketNow: () => clock.now(), maxTickAgeMs: 120_000, maxPerUser: 1000 });

    beforeAll(async () => {
      t = target.make();
      d = await t.open();
      r = repositories(d, clock);
    });
    afterAll(async () => t?.cleanup());

    it("a sync after one change reads that one alert, not every alert; cancelled and fired alerts leave the other engine", async () => {
      const a = engine(r.alerts);
      await a.start();
      const notify = { platform: "telegram" as const, chatId: "1" };
      const made = [];
      for (let i = 0; i < 50; i++) {
        made.push(await a.create(`u${i}`, { kind: "above", mint: SOL.mint, symbol: "SOL", level: 200 + i, pct: 0, windowMs: 0, repeat: false, cooldownMs: 0, hysteresisPct: 0, expiresAt: null }, 150, notify));
      }
      const { spy, seen } = counting(r.alerts);
      const b = engine(spy);
      await b.start();
      await b.sync();
      expect(b.size).toBe(50);

      seen.rows = 0;
      await b.sync();
      expect(seen.rows).toBe(0); // nothing changed

      await a.cancel("u7", made[7]!.id); // /unalert in the other process
      seen.rows = 0;
      await b.sync();
      expect(seen.rows).toBe(1);
      expect(b.size).toBe(49);

      a.onTicks([{ mint: SOL.mint, symbol: "SOL", usd: 200.5, source: "static", at: clock.now() }]); // fires the level-200 alert
      await a.idle();
      seen.rows = 0;
      await b.sync();
      expect(seen.rows).toBe(1);
      expect(b.size).toBe(48);
      await Promise.all([a.stop(), b.stop()]);
    });
  });
}
