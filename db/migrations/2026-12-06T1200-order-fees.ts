import type { Kysely } from "kysely";

// The route's fees and whether the quote was simulated, stored on the order as the swap provider parsed
// them (core no longer reads the raw quote). route_fees is JSON [{ mint, amount }] with amounts as
// decimal strings; NULL means not known, which is what orders stored before this migration say.
// Simulated quotes were marked inside quote_json before: those rows are marked in the new column.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").addColumn("route_fees", "text").execute();
  await db.schema.alterTable("orders").addColumn("simulated", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.updateTable("orders").set({ simulated: 1 }).where("quote_json", "=", JSON.stringify({ simulated: true })).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").dropColumn("simulated").execute();
  await db.schema.alterTable("orders").dropColumn("route_fees").execute();
}
