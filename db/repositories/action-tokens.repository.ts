import type { Kysely } from "kysely";
import type { ActionRecord, ActionTokenStore } from "../../core/ports/action-tokens.port.js";
import type { Database } from "../schema.js";

export class KyselyActionTokens implements ActionTokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(records: ActionRecord[]): Promise<void> {
    if (!records.length) return;
    await this.db
      .insertInto("action_tokens")
      .values(
        records.map((r) => ({
          token: r.token,
          group_id: r.groupId,
          user_id: r.userId,
          command: r.command,
          action: r.action,
          payload: JSON.stringify(r.payload ?? null),
          expires_at: r.expiresAt,
          used_at: r.usedAt,
        })),
      )
      .execute();
  }

  async get(token: string): Promise<ActionRecord | undefined> {
    const r = await this.db.selectFrom("action_tokens").selectAll().where("token", "=", token).executeTakeFirst();
    if (!r) return undefined;
    return {
      token: r.token,
      groupId: r.group_id,
      userId: r.user_id,
      command: r.command,
      action: r.action,
      payload: JSON.parse(r.payload) as unknown,
      expiresAt: Number(r.expires_at),
      usedAt: r.used_at === null ? null : Number(r.used_at),
    };
  }

  async consumeGroup(groupId: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("action_tokens")
      .set({ used_at: now })
      .where("group_id", "=", groupId)
      .where("used_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
