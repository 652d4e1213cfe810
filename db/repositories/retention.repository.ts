import { sql, type Kysely, type RawBuilder } from "kysely";
import type { PurgeTable, RetentionStore, ThinTable } from "../../core/ports/retention.port.js";
import type { Database } from "../schema.js";

/**
 * Each purge is `DELETE ... WHERE key IN (SELECT key ... LIMIT n)`: one short statement by primary
 * key (row values for composite keys, which SQLite and Postgres both take), never one huge delete.
 */
const purges: Record<PurgeTable, (before: number, limit: number) => RawBuilder<unknown>> = {
  audit_log: (b, n) => sql`DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ${b} LIMIT ${n})`,
  llm_usage: (b, n) => sql`DELETE FROM llm_usage WHERE id IN (SELECT id FROM llm_usage WHERE at < ${b} LIMIT ${n})`,
  // Only finished rows: pending (and leased) messages are never deleted, however old.
  outbox: (b, n) =>
    sql`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state IN ('sent', 'skipped', 'dead') AND sent_at < ${b} LIMIT ${n})`,
  price_ticks: (b, n) => sql`DELETE FROM price_ticks WHERE (mint, at) IN (SELECT mint, at FROM price_ticks WHERE at < ${b} LIMIT ${n})`,
  portfolio_snapshots: (b, n) =>
    sql`DELETE FROM portfolio_snapshots WHERE (user_id, book, at) IN (SELECT user_id, book, at FROM portfolio_snapshots WHERE at < ${b} LIMIT ${n})`,
  processed_updates: (b, n) =>
    sql`DELETE FROM processed_updates WHERE (platform, update_id) IN (SELECT platform, update_id FROM processed_updates WHERE claimed_at < ${b} LIMIT ${n})`,
  action_tokens: (b, n) => sql`DELETE FROM action_tokens WHERE token IN (SELECT token FROM action_tokens WHERE expires_at < ${b} LIMIT ${n})`,
  link_codes: (b, n) =>
    sql`DELETE FROM link_codes WHERE code_hash IN (SELECT code_hash FROM link_codes WHERE expires_at < ${b} OR used_at < ${b} LIMIT ${n})`,
};

/**
 * Rows in [from, to) with a later row of the same series in the same bucket (`at - at % bucket`
 * is the bucket's start): deleting them keeps the last row of every bucket, which is the close a
 * chart of that bucket size (or any multiple of it) draws.
 */
const thins: Record<ThinTable, (from: number, to: number, bucket: number, limit: number) => RawBuilder<unknown>> = {
  price_ticks: (f, t, b, n) => sql`DELETE FROM price_ticks WHERE (mint, at) IN (
    SELECT p.mint, p.at FROM price_ticks p
    WHERE p.at >= ${f} AND p.at < ${t}
      AND EXISTS (SELECT 1 FROM price_ticks q WHERE q.mint = p.mint AND q.at > p.at AND q.at < p.at - (p.at % ${b}) + ${b})
    LIMIT ${n})`,
  portfolio_snapshots: (f, t, b, n) => sql`DELETE FROM portfolio_snapshots WHERE (user_id, book, at) IN (
    SELECT p.user_id, p.book, p.at FROM portfolio_snapshots p
    WHERE p.at >= ${f} AND p.at < ${t}
      AND EXISTS (SELECT 1 FROM portfolio_snapshots q
        WHERE q.user_id = p.user_id AND q.book = p.book AND q.at > p.at AND q.at < p.at - (p.at % ${b}) + ${b})
    LIMIT ${n})`,
};

export class KyselyRetention implements RetentionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async purgeBatch(table: PurgeTable, before: number, limit: number): Promise<number> {
    const r = await purges[table](Math.floor(before), limit).execute(this.db);
    return Number(r.numAffectedRows ?? 0n);
  }

  async thinBatch(table: ThinTable, from: number, to: number, bucketMs: number, limit: number): Promise<number> {
    const r = await thins[table](Math.floor(from), Math.floor(to), Math.floor(bucketMs), limit).execute(this.db);
    return Number(r.numAffectedRows ?? 0n);
  }
}
