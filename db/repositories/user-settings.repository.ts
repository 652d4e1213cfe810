import type { Kysely } from "kysely";
import type { UserSettings } from "../../core/domain/user-settings.js";
import type { UserSettingsStore } from "../../core/ports/user-settings.port.js";
import type { Database } from "../schema.js";

/** A user's settings as one JSON row of only what they set; the domain reads it through its schema. */
export class KyselyUserSettings implements UserSettingsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(userId: string): Promise<Partial<UserSettings> | undefined> {
    const r = await this.db.selectFrom("user_settings").select("settings").where("user_id", "=", userId).executeTakeFirst();
    if (!r) return undefined;
    try {
      const v: unknown = JSON.parse(r.settings);
      // Anything but an object reads as nothing set: effectiveSettings validates each field.
      return v && typeof v === "object" && !Array.isArray(v) ? (v as Partial<UserSettings>) : {};
    } catch {
      return {};
    }
  }

  async put(userId: string, settings: Partial<UserSettings>, now: number): Promise<void> {
    const json = JSON.stringify(settings);
    await this.db
      .insertInto("user_settings")
      .values({ user_id: userId, settings: json, updated_at: now })
      .onConflict((oc) => oc.column("user_id").doUpdateSet({ settings: json, updated_at: now }))
      .execute();
  }
}
