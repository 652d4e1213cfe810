/** Tables whose old rows the retention job deletes. */
export type PurgeTable =
  | "audit_log"
  | "outbox"
  | "llm_usage"
  | "price_ticks"
  | "portfolio_snapshots"
  | "processed_updates"
  | "action_tokens"
  | "link_codes"
  | "web_login_links"
  | "web_sessions"
  | "identity_changes";

/** Time series the retention job thins (one row kept per bucket) before it drops them. */
export type ThinTable = "price_ticks" | "portfolio_snapshots";

/** One batch: rows deleted, and where the next batch of the same step starts (a time, inclusive). */
export interface RetentionBatchResult {
  rows: number;
  next: number;
}

/**
 * Batched deletes for the retention job: every call is one short statement touching at most
 * `limit` rows, so no single statement holds the database (and the router's queries) for long.
 */
export interface RetentionStore {
  /**
   * Deletes up to `limit` rows of `table` that are past `before` (epoch ms), each table by its own
   * rule: audit_log, llm_usage, price_ticks, portfolio_snapshots by time; outbox only sent, skipped
   * or dead rows (never pending or leased); processed_updates by claim time; action_tokens by expiry;
   * link_codes and web_login_links when expired or used; web_sessions when expired or revoked; identity_changes when older than `before`. Oldest first, from time `from` (the previous batch's `next`).
   */
  purgeBatch(table: PurgeTable, before: number, limit: number, from?: number): Promise<RetentionBatchResult>;
  /**
   * Deletes up to `limit` rows with `from <= at < to` that are not the last row of their series
   * (token, or user and book) in their `bucketMs` bucket (buckets aligned to the epoch), oldest first.
   */
  thinBatch(table: ThinTable, from: number, to: number, bucketMs: number, limit: number): Promise<RetentionBatchResult>;
}
