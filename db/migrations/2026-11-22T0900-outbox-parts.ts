import type { Kysely } from "kysely";

// A push that goes out as several platform messages (a chart, then text) records each part as it is
// accepted, so a retry or a takeover after a crash resumes after the parts already delivered.
// open_claims counts claims since the last recorded outcome: above one, a dispatcher stopped holding
// the row mid-delivery and whether the platform got it is unknown.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox").addColumn("parts_sent", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("outbox").addColumn("open_claims", "integer", (c) => c.notNull().defaultTo(0)).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox").dropColumn("open_claims").execute();
  await db.schema.alterTable("outbox").dropColumn("parts_sent").execute();
}
