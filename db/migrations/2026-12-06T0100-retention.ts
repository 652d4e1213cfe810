import { sql, type Kysely } from "kysely";

// Retention deletes by time in small batches: each batch must find its rows by an index, not by a
// scan of the whole table. Alerts get a change counter (alert_changes holds the last value handed
// out; every write to an alert takes the next one in its transaction), so an engine's sync reads
// only the alerts changed since the counter value it saw last.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("price_ticks_at_idx").on("price_ticks").column("at").execute();
  await db.schema.createIndex("portfolio_snapshots_at_idx").on("portfolio_snapshots").column("at").execute();
  await db.schema.createIndex("audit_log_time_idx").on("audit_log").column("at").execute();
  await db.schema.createIndex("llm_usage_at_idx").on("llm_usage").column("at").execute();
  await db.schema.createIndex("outbox_sent_idx").on("outbox").column("sent_at").execute();
  await db.schema.createIndex("action_tokens_expires_idx").on("action_tokens").column("expires_at").execute();
  await db.schema.createIndex("link_codes_expires_idx").on("link_codes").column("expires_at").execute();

  await db.schema.alterTable("alerts").addColumn("change_seq", "bigint", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex("alerts_change_idx").on("alerts").column("change_seq").execute();
  await db.schema
    .createTable("alert_changes")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .execute();
  await sql`INSERT INTO alert_changes (id, seq) VALUES (1, 0)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("alert_changes").ifExists().execute();
  await db.schema.dropIndex("alerts_change_idx").ifExists().execute();
  await db.schema.alterTable("alerts").dropColumn("change_seq").execute();
  for (const i of ["link_codes_expires_idx", "action_tokens_expires_idx", "outbox_sent_idx", "llm_usage_at_idx", "audit_log_time_idx", "portfolio_snapshots_at_idx", "price_ticks_at_idx"]) {
    await db.schema.dropIndex(i).ifExists().execute();
  }
}
