import type { NewOutboxMessage } from "./alerts.port.js";

/** A push held during its user's quiet hours, as the summary lists it. */
export interface HeldPush {
  id: string;
  dedupeKey: string;
  kind: string;
  target: NewOutboxMessage["target"];
  reply: NewOutboxMessage["reply"];
  createdAt: number;
  /** When the quiet hours that held it end. */
  until: number;
}

/**
 * Pushes held in the outbox during a user's quiet hours (db/repositories/held-pushes.repository.ts):
 * durable, so a restart loses none, and summarised exactly once when the hours end.
 */
export interface HeldPushStore {
  /** Holds a claimed row until `until` (false when this claimer no longer holds it). */
  hold(id: string, owner: string, until: number): Promise<boolean>;
  /** Moves the end of every held push of the user to `until` (their quiet hours changed); returns how many. */
  reschedule(userId: string, until: number): Promise<number>;
  /** Users with held pushes whose quiet hours have ended by `now`. */
  dueUsers(now: number, limit: number): Promise<string[]>;
  /**
   * In one transaction: takes every held push of the user whose quiet hours ended by `now`, closes
   * them, and writes the summary `summarise` makes of them to the outbox. Two callers never both
   * summarise the same pushes; returns how many were summarised (0: another caller took them first).
   */
  summarise(userId: string, now: number, summarise: (held: HeldPush[]) => NewOutboxMessage): Promise<number>;
}

/** Whether a user's push is held now, and until when (their quiet hours' end); null: deliver it now. */
export interface QuietHoursGate {
  holdUntil(userId: string, now: number): Promise<number | null>;
}
