import { describe, expect, it } from "vitest";
import { silentLogger } from "../../core/ports/logger.port.js";
import type { PurgeTable, RetentionStore } from "../../core/ports/retention.port.js";
import { DAY_MS, RETENTION_MIN_BATCH, RetentionService, retentionPlan } from "../../core/services/retention.service.js";
import { FakeClock } from "../helpers/clock.js";

const POLICY = { auditDays: 90, outboxDays: 7, llmUsageDays: 90, priceTicksDays: 90, snapshotDays: 365 };
const freeLease = { acquire: async () => true, release: async () => {} };

describe("retention job", () => {
  it("halves a batch after a statement over its time budget and grows it back when statements are quick", async () => {
    let t = 0;
    const slow = [60, 60, 60, 60, 60, 60, 1, 1, 1, 1, 1, 1];
    const limits: number[] = [];
    let left = 5000;
    const store: RetentionStore = {
      purgeBatch: async (table: PurgeTable, _before: number, limit: number) => {
        if (table !== "audit_log") return { rows: 0, next: 0 };
        limits.push(limit);
        t += slow.shift() ?? 1;
        const rows = Math.min(limit, left);
        left -= rows;
        return { rows, next: 0 };
      },
      thinBatch: async () => ({ rows: 0, next: 0 }),
    };
    const job = new RetentionService({ store, leases: freeLease, clock: new FakeClock(), log: silentLogger, policy: POLICY, owner: "o", intervalMs: 60_000, budgetMs: 20, timer: () => t });
    expect(await job.runOnce()).toMatchObject({ kind: "done", deleted: { audit_log: 5000 } });
    expect(limits.slice(0, 12)).toEqual([1000, 500, 250, 125, 62, RETENTION_MIN_BATCH, RETENTION_MIN_BATCH, 100, 200, 400, 800, 1000]);
    expect(Math.max(...limits)).toBe(1000);
  });

  it("plans time series as dropped after their retention, one a day past 30 days, one an hour past a day", () => {
    const now = 1000 * DAY_MS;
    const ticks = retentionPlan(POLICY, now).filter((s) => s.table === "price_ticks");
    expect(ticks).toEqual([
      { kind: "purge", table: "price_ticks", before: now - 90 * DAY_MS },
      { kind: "thin", table: "price_ticks", from: now - 90 * DAY_MS, to: now - 30 * DAY_MS, bucketMs: DAY_MS },
      { kind: "thin", table: "price_ticks", from: now - 30 * DAY_MS, to: now - DAY_MS, bucketMs: 3_600_000 },
    ]);
    expect(retentionPlan(POLICY, now).find((s) => s.table === "processed_updates")).toEqual({ kind: "purge", table: "processed_updates", before: now - 2 * DAY_MS });
  });
});
