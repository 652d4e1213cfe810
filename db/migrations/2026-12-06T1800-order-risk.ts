import type { Kysely } from "kysely";

// TOKEN_SAFETY (issue 18): the received token's safety as judged at preview, stored on the order so that
// Confirm (in any process) can insist on the "I understand the risks" acknowledgement. JSON (see
// db/repositories/order-risk-codec.ts); NULL: nothing to say, not checked, or an order from before.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").addColumn("risk_json", "text").execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").dropColumn("risk_json").execute();
}
