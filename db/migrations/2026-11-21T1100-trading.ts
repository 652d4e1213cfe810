import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("wallets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("encrypted_secret", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("wallets_user_address", ["user_id", "address"])
    .execute();

  await db.schema
    .createTable("positions")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("book", "text", (c) => c.notNull())
    .addColumn("mint", "text", (c) => c.notNull())
    .addColumn("amount", "text", (c) => c.notNull())
    .addColumn("cost_micro", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("positions_pk", ["user_id", "book", "mint"])
    .execute();

  await db.schema
    .createTable("books")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("book", "text", (c) => c.notNull())
    .addColumn("realized_micro", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("books_pk", ["user_id", "book"])
    .execute();

  let t = db.schema.createTable("orders").addColumn("id", "text", (c) => c.primaryKey());
  for (const col of ["user_id", "mode", "book", "side", "status", "input_mint", "input_symbol", "output_mint", "output_symbol", "in_amount", "quoted_out", "min_out", "route", "quote_json", "notify_platform", "notify_chat"]) {
    t = t.addColumn(col, "text", (c) => c.notNull());
  }
  t = t
    .addColumn("wallet", "text")
    .addColumn("input_decimals", "integer", (c) => c.notNull())
    .addColumn("output_decimals", "integer", (c) => c.notNull())
    .addColumn("slippage_bps", "integer", (c) => c.notNull())
    .addColumn("price_impact_pct", "double precision", (c) => c.notNull())
    .addColumn("usd_value", "double precision", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("quote_expires_at", "bigint", (c) => c.notNull())
    .addColumn("confirmed_at", "bigint")
    .addColumn("signature", "text")
    .addColumn("raw_tx", "text")
    .addColumn("last_valid_block_height", "bigint")
    .addColumn("final_at", "bigint")
    .addColumn("filled_in", "text")
    .addColumn("filled_out", "text")
    .addColumn("fee_lamports", "text")
    .addColumn("error", "text");
  await t.execute();
  await db.schema.createIndex("orders_user_idx").on("orders").columns(["user_id", "created_at"]).execute();
  await db.schema.createIndex("orders_status_idx").on("orders").column("status").execute();

  await db.schema
    .createTable("portfolio_snapshots")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("book", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("value_usd", "double precision", (c) => c.notNull())
    .addPrimaryKeyConstraint("portfolio_snapshots_pk", ["user_id", "book", "at"])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["portfolio_snapshots", "orders", "books", "positions", "wallets"]) await db.schema.dropTable(t).ifExists().execute();
}
