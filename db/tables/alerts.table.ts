import type { Generated } from "kysely";
import type { AlertKind, AlertState } from "../../core/domain/alert.js";
import type { Platform } from "../../core/domain/identity.js";

/** pending: waiting or being delivered; sent; dead: gave up; skipped: the chat cannot receive it. */
/** held: a user's push kept during their quiet hours (until available_at), then summarised. */
export type OutboxState = "pending" | "sent" | "dead" | "skipped" | "held";

/** Price and portfolio alerts with their firing state (survives restarts). */
export interface AlertsTable {
  id: string;
  user_id: string;
  kind: AlertKind;
  mint: string | null;
  symbol: string;
  level: number;
  pct: number;
  window_ms: number;
  repeat: number;
  cooldown_ms: number;
  hysteresis_pct: number;
  expires_at: number | null;
  state: AlertState;
  fire_count: number;
  last_fired_at: number | null;
  ref_value: number;
  created_at: number;
  updated_at: number;
  notify_platform: Platform;
  notify_chat: string;
  /** The alert_changes value taken by the last write (engines sync on it). */
  change_seq: Generated<number>;
}

/** One row (id 1): the last change counter value handed to an alert write. */
export interface AlertChangesTable {
  id: number;
  seq: number;
}

/** Transactional outbox: every outgoing push, written with the state change that caused it. */
export interface OutboxTable {
  id: string;
  dedupe_key: string;
  kind: string;
  platform: Platform;
  chat_id: string;
  /** JSON Reply (images base64). */
  payload: string;
  created_at: number;
  /** Wall-clock ms of the event that caused it (tick received), for delivery latency. */
  source_at: number | null;
  available_at: number;
  attempts: number;
  /** Parts of the reply (platform messages) delivered so far: a retry resumes after them. */
  parts_sent: number;
  /** Claims since the last recorded outcome: more than one means a dispatcher stopped mid-delivery. */
  open_claims: number;
  state: OutboxState;
  lease_owner: string | null;
  lease_until: number | null;
  sent_at: number | null;
  last_error: string | null;
  /** Whose push this is (null: not a user's, e.g. an admin notice): quiet hours hold by it. */
  user_id: string | null;
}
