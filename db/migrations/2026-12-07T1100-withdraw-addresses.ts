import type { Kysely } from "kysely";

// Withdrawal address book (issue 19): a user's named addresses, each usable from usable_at (added_at +
// WITHDRAW_ADDRESS_DELAY_H); a label is unique per user case-insensitively (label_key is its lower case).
// withdraw_freezes: a user's own freeze ("this wasn't me"), one row while frozen. The operator's global
// freeze is a kv row (withdraw:global-freeze).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("withdraw_addresses")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("label_key", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("added_at", "bigint", (c) => c.notNull())
    .addColumn("usable_at", "bigint", (c) => c.notNull())
    .addColumn("warning", "text")
    .execute();
  await db.schema.createIndex("withdraw_addresses_label_idx").on("withdraw_addresses").columns(["user_id", "label_key"]).unique().execute();
  await db.schema
    .createTable("withdraw_freezes")
    .addColumn("user_id", "text", (c) => c.primaryKey())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("frozen_at", "bigint", (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("withdraw_freezes").ifExists().execute();
  await db.schema.dropIndex("withdraw_addresses_label_idx").ifExists().execute();
  await db.schema.dropTable("withdraw_addresses").ifExists().execute();
}
