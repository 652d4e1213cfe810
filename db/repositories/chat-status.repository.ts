import type { Kysely } from "kysely";
import type { Platform } from "../../core/domain/identity.js";
import type { ChatStatusStore } from "../../core/ports/notifier.port.js";
import type { Database } from "../schema.js";

export class KyselyChatStatus implements ChatStatusStore {
  constructor(private readonly db: Kysely<Database>) {}

  async markUndeliverable(platform: Platform, chatId: string, reason: string, at: number): Promise<void> {
    await this.db
      .insertInto("chat_status")
      .values({ platform, chat_id: chatId, reason, since: at })
      .onConflict((oc) => oc.columns(["platform", "chat_id"]).doUpdateSet({ reason, since: at }))
      .execute();
  }

  async isUndeliverable(platform: Platform, chatId: string): Promise<boolean> {
    const r = await this.db
      .selectFrom("chat_status")
      .select("chat_id")
      .where("platform", "=", platform)
      .where("chat_id", "=", chatId)
      .executeTakeFirst();
    return r !== undefined;
  }

  async clear(platform: Platform, chatId: string): Promise<void> {
    await this.db.deleteFrom("chat_status").where("platform", "=", platform).where("chat_id", "=", chatId).execute();
  }
}
