import type { Kysely } from "kysely";

// Per-user settings (issue 18): one row per user who changed something, holding only what they set
// (JSON, read through the domain's schema and clamped to the operator's caps on every read).
// Quiet hours hold pushes in the outbox itself: a held row is state 'held' with available_at at the
// end of the user's quiet hours, so nothing is lost across a restart; user_id names whose push a row
// is (null: not a user's push, e.g. an admin notice), so the held rows of a user are found together.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("user_settings")
    .addColumn("user_id", "text", (c) => c.primaryKey())
    .addColumn("settings", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.alterTable("outbox").addColumn("user_id", "text").execute();
  await db.schema.createIndex("outbox_held_idx").on("outbox").columns(["state", "user_id", "available_at"]).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("outbox_held_idx").ifExists().execute();
  await db.schema.alterTable("outbox").dropColumn("user_id").execute();
  await db.schema.dropTable("user_settings").ifExists().execute();
}
