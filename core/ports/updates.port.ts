import type { Platform } from "../domain/identity.js";

export type ClaimResult = "claimed" | "duplicate";

/** Durable idempotency for inbound updates, shared by every process on the same database. */
export interface ProcessedUpdates {
  /**
   * Claims (platform, updateId). A second claim is a duplicate, unless the first claim was never
   * completed and is older than `leaseMs` (its process died mid-way): then it is taken over.
   */
  claim(platform: Platform, updateId: string, now: number, leaseMs: number): Promise<ClaimResult>;
  complete(platform: Platform, updateId: string, now: number): Promise<void>;
}
