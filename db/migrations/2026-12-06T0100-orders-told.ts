import type { Kysely } from "kysely";

// When the user was told a confirmed order's outcome (the Confirm reply was delivered, or its push was
// queued in the outbox). A process killed between an order's end and that moment leaves it untold, and
// reconciliation pushes the outcome. Orders that ended before this migration count as told.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").addColumn("told_at", "bigint").execute();
  await db
    .updateTable("orders")
    .set((eb) => ({ told_at: eb.ref("final_at") }))
    .where("final_at", "is not", null)
    .execute();
  await db.schema.createIndex("orders_untold").on("orders").columns(["told_at", "final_at"]).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("orders_untold").execute();
  await db.schema.alterTable("orders").dropColumn("told_at").execute();
}
