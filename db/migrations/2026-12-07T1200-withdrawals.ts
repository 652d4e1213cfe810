import type { Kysely } from "kysely";

// Withdrawals (issue 19) are orders with side "withdraw": the same durable intent, single claim, signed
// bytes stored before sending, tracking and reconciliation as trades. What only a withdrawal has (the
// destination address and label, the network fee and token-account rent shown in its preview) is one
// JSON column, see db/repositories/withdrawal-codec.ts; NULL for every trade. The index serves the
// daily withdrawal cap, judged over a user's withdrawals confirmed since the start of the UTC day.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").addColumn("withdrawal_json", "text").execute();
  await db.schema.createIndex("orders_user_side_confirmed").on("orders").columns(["user_id", "side", "confirmed_at"]).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("orders_user_side_confirmed").execute();
  await db.schema.alterTable("orders").dropColumn("withdrawal_json").execute();
}
