import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("tokens")
    .addColumn("mint", "text", (c) => c.primaryKey())
    .addColumn("symbol", "text", (c) => c.notNull())
    .addColumn("symbol_key", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("decimals", "integer", (c) => c.notNull())
    .addColumn("verified", "integer", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("tokens_symbol_idx").on("tokens").column("symbol_key").execute();

  await db.schema
    .createTable("price_ticks")
    .addColumn("mint", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("usd", "double precision", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("price_ticks_pk", ["mint", "at"])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("price_ticks").ifExists().execute();
  await db.schema.dropTable("tokens").ifExists().execute();
}
