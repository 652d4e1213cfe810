import type { FiringStatus } from "../../core/ports/automations.port.js";

/** One row per firing (automation_id, n), inserted once: whoever inserts it executes it. */
export interface AutomationFiringsTable {
  automation_id: string;
  n: number;
  user_id: string;
  status: FiringStatus;
  attempts: number;
  order_id: string | null;
  price_usd: number | null;
  /** Market clock: when it fired. */
  at: number;
  /** Wall clock: a running firing whose lease passed is taken over. */
  lease_until: number;
  /** Market clock: when the next attempt is due (null: none waiting). */
  next_try_at: number | null;
  reason: string | null;
  created_at: number;
  updated_at: number;
}

/** A user's consecutive failed firings (a filled one resets it to 0). */
export interface AutomationStreaksTable {
  user_id: string;
  failures: number;
  updated_at: number;
}
