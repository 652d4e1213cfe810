import type { Kysely } from "kysely";

// Two-factor authentication (issue 19): one row per user who set it up (the TOTP secret sealed with a
// key derived from MASTER_KEY, the last accepted time-step, the failure window and lock), and their
// ten recovery codes, each a salt and a peppered hash, marked when used.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("two_factor")
    .addColumn("user_id", "text", (c) => c.primaryKey())
    .addColumn("secret_sealed", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("enabled_at", "bigint")
    .addColumn("last_counter", "bigint")
    .addColumn("fail_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("fail_since", "bigint")
    .addColumn("locked_until", "bigint")
    .execute();
  await db.schema
    .createTable("two_factor_recovery")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("idx", "integer", (c) => c.notNull())
    .addColumn("salt", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .addPrimaryKeyConstraint("two_factor_recovery_pk", ["user_id", "idx"])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("two_factor_recovery").ifExists().execute();
  await db.schema.dropTable("two_factor").ifExists().execute();
}
