import type { AutomationKind, AutomationState } from "../../core/domain/automation.js";
import type { Platform } from "../../core/domain/identity.js";

/** Automations the user confirmed (or drafts waiting for Confirm), with their progress. */
export interface AutomationsTable {
  id: string;
  user_id: string;
  /** The rule's kind, beside the rule (for queries such as raiseHigh's trailing stops). */
  kind: AutomationKind;
  /** The rule's token mint (a token's trailing stops are found by it). */
  mint: string;
  /** JSON AutomationRule, bigint amounts as decimal strings (automation-codec.ts). */
  rule: string;
  state: AutomationState;
  /** Firings handled so far. */
  firings: number;
  /** Trailing stops: the highest confirmed price since set; null otherwise. */
  high: number | null;
  /** DCA: when the next firing is due (market clock); null: none. */
  next_at: number | null;
  notify_platform: Platform;
  notify_chat: string;
  created_at: number;
  updated_at: number;
  /** JSON array of the safety flag codes acknowledged at creation (automation-codec.ts); null: none needed. */
  acknowledged_risk: string | null;
}
