import type { Kysely } from "kysely";

// One row per user that trades, created on their first Confirm and never removed: the row Confirm
// locks while it adds up the day's trades and claims the order, so that presses at once (in one
// process or many) are judged one after another against the daily cap. It holds no data of its own:
// the orders remain the record of what was spent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("trade_locks")
    .addColumn("user_id", "text", (c) => c.primaryKey())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("trade_locks").ifExists().execute();
}
