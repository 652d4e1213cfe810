import { sql, type Kysely, type RawBuilder } from "kysely";
import type { PurgeTable, RetentionBatchResult, RetentionStore, ThinTable } from "../../core/ports/retention.port.js";
import type { Database } from "../schema.js";

/** A table's primary key (row values for composite keys, which SQLite and Postgres both take) and its time column. */
interface Shape {
  table: RawBuilder<unknown>;
  key: RawBuilder<unknown>;
  /** The key's columns as a select list. */
  cols: RawBuilder<unknown>;
  time: RawBuilder<unknown>;
  /** What else makes a row deletable (outbox: finished rows only). */
  where?: RawBuilder<unknown>;
}
const shape = (table: string, key: string[], time: string, where?: RawBuilder<unknown>): Shape => ({
  table: sql.table(table),
  key: key.length === 1 ? sql.ref(key[0] ?? "") : sql`(${sql.join(key.map((k) => sql.ref(k)))})`,
  cols: sql.join(key.map((k) => sql.ref(k))),
  time: sql.ref(time),
  ...(where ? { where } : {}),
});

/** Small tables of one-time secrets, purged without a cursor: their key, and when a row is past its use (before `b`). */
const SPENT = {
  link_codes: { key: "code_hash", spent: (b: number) => sql`expires_at < ${b} OR used_at < ${b}` },
  web_login_links: { key: "token_hash", spent: (b: number) => sql`expires_at < ${b} OR used_at < ${b}` },
  web_sessions: { key: "id_hash", spent: (b: number) => sql`expires_at < ${b} OR revoked_at < ${b}` },
} as const;
type SpentTable = keyof typeof SPENT;
const isSpent = (t: PurgeTable): t is SpentTable => t in SPENT;

const shapes: Record<Exclude<PurgeTable, SpentTable>, Shape> = {
  audit_log: shape("audit_log", ["id"], "at"),
  llm_usage: shape("llm_usage", ["id"], "at"),
  // Only finished rows: pending (and leased) messages are never deleted, however old.
  outbox: shape("outbox", ["id"], "sent_at", sql`state IN ('sent', 'skipped', 'dead')`),
  price_ticks: shape("price_ticks", ["mint", "at"], "at"),
  portfolio_snapshots: shape("portfolio_snapshots", ["user_id", "book", "at"], "at"),
  processed_updates: shape("processed_updates", ["platform", "update_id"], "claimed_at"),
  action_tokens: shape("action_tokens", ["token"], "expires_at"),
  // read by every process for a minute after it is written (core/services/identity-changes.ts)
  identity_changes: shape("identity_changes", ["id"], "at"),
};

/** The series a time-series row belongs to (thinning keeps the last row of each series per bucket). */
const series: Record<ThinTable, string[]> = { price_ticks: ["mint"], portfolio_snapshots: ["user_id", "book"] };

type Returned = { rows: Array<{ t: number | string | bigint }> };
const result = (r: Returned, from: number): RetentionBatchResult => {
  let next = from;
  for (const x of r.rows) next = Math.max(next, Number(x.t));
  return { rows: r.rows.length, next };
};

/**
 * Every batch is one `DELETE ... WHERE key IN (SELECT key ... ORDER BY time LIMIT n)` by primary
 * key, never one huge delete. Batches walk the time index from where the previous one stopped
 * (`next`), so a batch never wades through the index entries of rows already deleted (Postgres
 * keeps them until vacuum).
 */
export class KyselyRetention implements RetentionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async purgeBatch(table: PurgeTable, before: number, limit: number, from = Number.MIN_SAFE_INTEGER): Promise<RetentionBatchResult> {
    const b = Math.floor(before);
    if (isSpent(table)) {
      // A handful of rows a day: no cursor needed.
      const { key, spent } = SPENT[table];
      const [t, k] = [sql.table(table), sql.ref(key)];
      const r = await sql<{ t: number }>`DELETE FROM ${t} WHERE ${k} IN (SELECT ${k} FROM ${t} WHERE ${spent(b)} LIMIT ${limit}) RETURNING expires_at AS t`.execute(this.db);
      return { rows: r.rows.length, next: from };
    }
    const s = shapes[table];
    const extra = s.where ? sql`AND ${s.where}` : sql``;
    const r = await sql<{ t: number }>`DELETE FROM ${s.table} WHERE ${s.key} IN (
      SELECT ${s.cols} FROM ${s.table} WHERE ${s.time} >= ${Math.floor(from)} AND ${s.time} < ${b} ${extra} ORDER BY ${s.time} LIMIT ${limit})
      RETURNING ${s.time} AS t`.execute(this.db);
    return result(r, from);
  }

  /**
   * Deletes rows in [from, to) with a later row of the same series in the same bucket
   * (`at - at % bucket` is the bucket's start): the last row of every bucket stays, which is the
   * close a chart of that bucket size (or any multiple of it) draws.
   */
  async thinBatch(table: ThinTable, from: number, to: number, bucketMs: number, limit: number): Promise<RetentionBatchResult> {
    const s = shapes[table];
    const k = Math.floor(bucketMs);
    const same = sql.join(series[table].map((c) => sql`q.${sql.ref(c)} = p.${sql.ref(c)}`), sql` AND `);
    const pkey = sql.join([...series[table], "at"].map((c) => sql`p.${sql.ref(c)}`));
    const r = await sql<{ t: number }>`DELETE FROM ${s.table} WHERE ${s.key} IN (
      SELECT ${pkey} FROM ${s.table} p
      WHERE p.at >= ${Math.floor(from)} AND p.at < ${Math.floor(to)}
        AND EXISTS (SELECT 1 FROM ${s.table} q WHERE ${same} AND q.at > p.at AND q.at < p.at - (p.at % ${k}) + ${k})
      ORDER BY p.at LIMIT ${limit})
      RETURNING at AS t`.execute(this.db);
    return result(r, from);
  }
}
