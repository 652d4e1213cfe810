import type { Kysely } from "kysely";
import type { Platform } from "../../core/domain/identity.js";
import type { ClaimResult, ProcessedUpdates } from "../../core/ports/updates.port.js";
import type { Database } from "../schema.js";

export class KyselyProcessedUpdates implements ProcessedUpdates {
  constructor(private readonly db: Kysely<Database>) {}

  async claim(platform: Platform, updateId: string, now: number, leaseMs: number): Promise<ClaimResult> {
    const ins = await this.db
      .insertInto("processed_updates")
      .values({ platform, update_id: updateId, state: "claimed", claimed_at: now, done_at: null })
      .onConflict((oc) => oc.columns(["platform", "update_id"]).doNothing())
      .executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 0n) === 1) return "claimed";
    // Taken over only if its claimer died: still 'claimed' and older than the lease. One winner.
    const upd = await this.db
      .updateTable("processed_updates")
      .set({ claimed_at: now })
      .where("platform", "=", platform)
      .where("update_id", "=", updateId)
      .where("state", "=", "claimed")
      .where("claimed_at", "<", now - leaseMs)
      .executeTakeFirst();
    return Number(upd.numUpdatedRows) === 1 ? "claimed" : "duplicate";
  }

  async complete(platform: Platform, updateId: string, now: number): Promise<void> {
    await this.db
      .updateTable("processed_updates")
      .set({ state: "done", done_at: now })
      .where("platform", "=", platform)
      .where("update_id", "=", updateId)
      .execute();
  }
}
