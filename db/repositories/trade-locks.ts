import type { Transaction } from "kysely";
import type { DialectName } from "../database.js";
import type { Database } from "../schema.js";

/**
 * Holds the user's trade_locks row until the transaction commits, creating it on first use: every
 * transaction that takes it for this user, in any process, waits here for the one before it, so
 * checks like the daily cap (a Confirm) or the automation limit (arming one) are judged one caller
 * at a time per user. Postgres: the row lock (INSERT ... ON CONFLICT DO NOTHING waits for a
 * concurrent insert of it, then SELECT ... FOR UPDATE). SQLite: the transaction already holds the
 * database's write lock (BEGIN IMMEDIATE).
 */
export async function lockTradeUser(trx: Transaction<Database>, dialect: DialectName, userId: string, now: number): Promise<void> {
  await trx
    .insertInto("trade_locks")
    .values({ user_id: userId, created_at: now })
    .onConflict((oc) => oc.column("user_id").doNothing())
    .execute();
  let q = trx.selectFrom("trade_locks").select("user_id").where("user_id", "=", userId);
  if (dialect === "postgres") q = q.forUpdate();
  await q.executeTakeFirstOrThrow();
}
