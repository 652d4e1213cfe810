import type { Kysely } from "kysely";
import type { NewOutboxMessage } from "../../core/ports/alerts.port.js";
import type { HeldPush, HeldPushStore } from "../../core/ports/held-pushes.port.js";
import type { DialectName } from "../database.js";
import type { Database } from "../schema.js";
import { decodeReply, insertOutbox } from "./outbox.repository.js";

/**
 * Quiet hours over the outbox: a held push stays in its row (state 'held', available_at at the end of
 * the quiet hours), so it survives a restart; when the hours end its user's held rows are closed and
 * their summary written in one transaction, exactly once.
 */
export class KyselyHeldPushes implements HeldPushStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  async hold(id: string, owner: string, until: number): Promise<boolean> {
    const r = await this.db
      .updateTable("outbox")
      .set({ state: "held", available_at: until, lease_owner: null, lease_until: null, open_claims: 0 })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("state", "=", "pending")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async reschedule(userId: string, until: number): Promise<number> {
    const r = await this.db.updateTable("outbox").set({ available_at: until }).where("state", "=", "held").where("user_id", "=", userId).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async dueUsers(now: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("outbox")
      .select("user_id")
      .distinct()
      .where("state", "=", "held")
      .where("available_at", "<=", now)
      .where("user_id", "is not", null)
      .limit(limit)
      .execute();
    return rows.flatMap((r) => (r.user_id !== null ? [r.user_id] : []));
  }

  async summarise(userId: string, now: number, summarise: (held: HeldPush[]) => NewOutboxMessage): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom("outbox")
        .selectAll()
        .where("state", "=", "held")
        .where("user_id", "=", userId)
        .where("available_at", "<=", now)
        .orderBy("created_at")
        .orderBy("id")
        .$if(this.dialect === "postgres", (q) => q.forUpdate())
        .execute();
      if (!rows.length) return 0;
      // Closed before the summary is written: a second caller (it waited on the row locks, or SQLite's
      // single writer) finds them no longer held and writes nothing.
      const closed = await trx
        .updateTable("outbox")
        .set({ state: "skipped", sent_at: now, last_error: "held during quiet hours: told in the summary" })
        .where("id", "in", rows.map((r) => r.id))
        .where("state", "=", "held")
        .executeTakeFirst();
      if (Number(closed.numUpdatedRows) !== rows.length) throw new Error("held pushes changed while being summarised");
      const held: HeldPush[] = rows.map((r) => ({
        id: r.id,
        dedupeKey: r.dedupe_key,
        kind: r.kind,
        target: { platform: r.platform, chatId: r.chat_id },
        reply: decodeReply(r.payload),
        createdAt: Number(r.created_at),
        until: Number(r.available_at),
      }));
      await insertOutbox(trx, summarise(held), now);
      return rows.length;
    });
  }
}
