import type { Kysely } from "kysely";
import type { LinkCodeConsume, LinkCodeStore } from "../../core/ports/link-codes.port.js";
import type { Database } from "../schema.js";

export class KyselyLinkCodes implements LinkCodeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { codeHash: string; userId: string; now: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto("link_codes")
      .values({
        code_hash: input.codeHash,
        user_id: input.userId,
        created_at: input.now,
        expires_at: input.expiresAt,
        used_at: null,
        used_by: null,
      })
      .execute();
  }

  async owner(codeHash: string): Promise<string | undefined> {
    const r = await this.db.selectFrom("link_codes").select("user_id").where("code_hash", "=", codeHash).executeTakeFirst();
    return r?.user_id;
  }

  async consume(codeHash: string, byUserId: string, now: number): Promise<LinkCodeConsume> {
    const upd = await this.db
      .updateTable("link_codes")
      .set({ used_at: now, used_by: byUserId })
      .where("code_hash", "=", codeHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    const row = await this.db.selectFrom("link_codes").selectAll().where("code_hash", "=", codeHash).executeTakeFirst();
    if (Number(upd.numUpdatedRows) === 1 && row) return { ok: true, userId: row.user_id };
    if (!row) return { ok: false, reason: "unknown" };
    if (row.used_at !== null) return { ok: false, reason: "used" };
    return { ok: false, reason: "expired" };
  }
}
