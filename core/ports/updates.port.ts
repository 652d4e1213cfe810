import type { Platform } from "../domain/identity.js";

export type ClaimResult = "claimed" | "duplicate";

/**
 * Durable idempotency for inbound updates, shared by every process on the same database.
 *
 * One durable write per message: a claim is committed (durable, visible to every process) before
 * `claim` resolves, so two processes never both run one update. Claims arriving together commit in
 * one transaction (group commit), and `complete` only records the "done" mark in memory: pending
 * marks are written together by `flush` (called on a short timer, at most `flushMs` after the first
 * pending mark, and on close). So a message costs one lone insert on its path, and the marks of a
 * whole window one transaction beside it.
 *
 * What a crash can lose: the done marks of its last window (at most `flushMs`). Such an update stays
 * "claimed" with its claim time: a redelivery within the lease is still a duplicate, and one after
 * the lease is taken over and runs again - exactly what happens to an update whose process died
 * mid-way, so a redelivery long after the crash is the only case that re-runs a finished update.
 */
export interface ProcessedUpdates {
  /**
   * Claims (platform, updateId). A second claim is a duplicate, unless the first claim was never
   * completed and is older than `leaseMs` (its process died mid-way): then it is taken over. An
   * update this process completed is a duplicate at once, its done mark durable or not.
   */
  claim(platform: Platform, updateId: string, now: number, leaseMs: number): Promise<ClaimResult>;
  /** Marks a claimed update done: durable with the next flush. */
  complete(platform: Platform, updateId: string, now: number): Promise<void>;
  /** Writes every pending done mark now (resolves once they are durable). */
  flush(): Promise<void>;
}
