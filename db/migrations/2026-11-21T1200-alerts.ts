import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("alerts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("mint", "text")
    .addColumn("symbol", "text", (c) => c.notNull())
    .addColumn("level", "double precision", (c) => c.notNull())
    .addColumn("pct", "double precision", (c) => c.notNull())
    .addColumn("window_ms", "bigint", (c) => c.notNull())
    .addColumn("repeat", "integer", (c) => c.notNull())
    .addColumn("cooldown_ms", "bigint", (c) => c.notNull())
    .addColumn("hysteresis_pct", "double precision", (c) => c.notNull())
    .addColumn("expires_at", "bigint")
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("fire_count", "integer", (c) => c.notNull())
    .addColumn("last_fired_at", "bigint")
    .addColumn("ref_value", "double precision", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("notify_platform", "text", (c) => c.notNull())
    .addColumn("notify_chat", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("alerts_user_idx").on("alerts").columns(["user_id", "state"]).execute();
  await db.schema.createIndex("alerts_updated_idx").on("alerts").column("updated_at").execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("dedupe_key", "text", (c) => c.notNull().unique())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("platform", "text", (c) => c.notNull())
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("source_at", "bigint")
    .addColumn("available_at", "bigint", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", "bigint")
    .addColumn("sent_at", "bigint")
    .addColumn("last_error", "text")
    .execute();
  await db.schema.createIndex("outbox_due_idx").on("outbox").columns(["state", "available_at"]).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("outbox").ifExists().execute();
  await db.schema.dropTable("alerts").ifExists().execute();
}
