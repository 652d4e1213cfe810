import type { Kysely } from "kysely";

// Landed migrations are never edited: add a new file instead.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("display_name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("role", "text", (c) => c.notNull().defaultTo("user"))
    .addColumn("merged_into", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("identities")
    .addColumn("platform", "text", (c) => c.notNull())
    .addColumn("platform_user_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("display_name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("linked_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("identities_pk", ["platform", "platform_user_id"])
    .execute();
  await db.schema.createIndex("identities_user_idx").on("identities").column("user_id").execute();

  await db.schema
    .createTable("processed_updates")
    .addColumn("platform", "text", (c) => c.notNull())
    .addColumn("update_id", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("claimed_at", "bigint", (c) => c.notNull())
    .addColumn("done_at", "bigint")
    .addPrimaryKeyConstraint("processed_updates_pk", ["platform", "update_id"])
    .execute();
  await db.schema.createIndex("processed_updates_claimed_idx").on("processed_updates").column("claimed_at").execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("user_id", "text")
    .addColumn("platform", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("detail", "text")
    .execute();
  await db.schema.createIndex("audit_log_at_idx").on("audit_log").columns(["action", "at"]).execute();

  await db.schema
    .createTable("link_codes")
    .addColumn("code_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .addColumn("used_by", "text")
    .execute();

  await db.schema
    .createTable("action_tokens")
    .addColumn("token", "text", (c) => c.primaryKey())
    .addColumn("group_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("command", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .execute();
  await db.schema.createIndex("action_tokens_group_idx").on("action_tokens").column("group_id").execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["action_tokens", "link_codes", "audit_log", "processed_updates", "identities", "users"]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
