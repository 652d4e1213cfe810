import type { Platform } from "../../core/domain/identity.js";

export interface ProcessedUpdatesTable {
  platform: Platform;
  update_id: string;
  /** 'claimed' while being handled, 'done' after. */
  state: "claimed" | "done";
  claimed_at: number;
  done_at: number | null;
}
