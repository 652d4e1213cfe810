import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { IdentityChange, IdentityChangeLog } from "../../core/ports/identity.port.js";
import type { Database } from "../schema.js";

/** The identity change log: one row a user a change, read by time (indexed), purged by retention. */
export class KyselyIdentityChanges implements IdentityChangeLog {
  constructor(private readonly db: Kysely<Database>) {}

  async append(userIds: readonly string[], at: number): Promise<void> {
    if (!userIds.length) return;
    await this.db
      .insertInto("identity_changes")
      .values(userIds.map((userId) => ({ id: randomUUID(), user_id: userId, at })))
      .execute();
  }

  async since(since: number): Promise<IdentityChange[]> {
    const rows = await this.db.selectFrom("identity_changes").selectAll().where("at", ">=", since).orderBy("at").execute();
    return rows.map((r) => ({ id: r.id, userId: r.user_id, at: Number(r.at) }));
  }
}
