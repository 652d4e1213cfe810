import type { Kysely } from "kysely";

// Automations (issue 17): the rules users confirmed, one row per firing (inserted once, so two
// workers or a restart agree on who executes it), a failure streak per user, and on each order the
// automation and firing that placed it (null: the user's own trade). rule is JSON with bigint
// amounts as decimal strings (db/repositories/automation-codec.ts); mint is the rule's token
// (raiseHigh finds a token's trailing stops by it). Times are epoch ms: wall clock except next_at,
// at and next_try_at, which are on the market clock.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("automations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("mint", "text", (c) => c.notNull())
    .addColumn("rule", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("firings", "integer", (c) => c.notNull())
    .addColumn("high", "double precision")
    .addColumn("next_at", "bigint")
    .addColumn("notify_platform", "text", (c) => c.notNull())
    .addColumn("notify_chat", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("automations_user_idx").on("automations").columns(["user_id", "state"]).execute();
  await db.schema.createIndex("automations_state_idx").on("automations").column("state").execute();
  await db.schema.createIndex("automations_updated_idx").on("automations").column("updated_at").execute();
  await db.schema.createIndex("automations_due_idx").on("automations").columns(["state", "next_at"]).execute();
  await db.schema.createIndex("automations_mint_idx").on("automations").columns(["mint", "state"]).execute();

  await db.schema
    .createTable("automation_firings")
    .addColumn("automation_id", "text", (c) => c.notNull())
    .addColumn("n", "integer", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("order_id", "text")
    .addColumn("price_usd", "double precision")
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("lease_until", "bigint", (c) => c.notNull())
    .addColumn("next_try_at", "bigint")
    .addColumn("reason", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("automation_firings_pk", ["automation_id", "n"])
    .execute();
  await db.schema.createIndex("automation_firings_status_idx").on("automation_firings").column("status").execute();

  await db.schema
    .createTable("automation_streaks")
    .addColumn("user_id", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema.alterTable("orders").addColumn("automation_id", "text").execute();
  await db.schema.alterTable("orders").addColumn("automation_firing", "integer").execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").dropColumn("automation_firing").execute();
  await db.schema.alterTable("orders").dropColumn("automation_id").execute();
  await db.schema.dropTable("automation_streaks").ifExists().execute();
  await db.schema.dropTable("automation_firings").ifExists().execute();
  await db.schema.dropTable("automations").ifExists().execute();
}
