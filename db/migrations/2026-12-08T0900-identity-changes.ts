import type { Kysely } from "kysely";

// Identity cache invalidations through the database (issue 20): every /link and role change appends
// the users concerned; every process reads the recent rows once a second and evicts them, so a
// process's identity cache can keep entries long without Redis and no pub/sub message can be lost.
// The retention job purges rows a day old.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("identity_changes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("identity_changes_at").on("identity_changes").column("at").execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("identity_changes").ifExists().execute();
}
