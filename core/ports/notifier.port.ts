import type { Platform } from "../domain/identity.js";
import type { Reply } from "../domain/message.js";

export type DeliveryResult =
  | { ok: true; messageIds: string[] }
  /**
   * permanent: retrying cannot help (blocked, chat gone); otherwise retry, after retryAfterMs when
   * given. deferred: nothing was sent (our own pacing of the platform says later): not an attempt.
   */
  | { ok: false; permanent: boolean; reason: string; retryAfterMs?: number; deferred?: boolean };

/** Outbound pushes (alerts, fills, treasury reports) to one platform chat. */
export interface Notifier {
  readonly platform: Platform;
  send(chatId: string, reply: Reply): Promise<DeliveryResult>;
}

/** Chats we must stop writing to (the user blocked the bot) until they write to us again. */
export interface ChatStatusStore {
  markUndeliverable(platform: Platform, chatId: string, reason: string, at: number): Promise<void>;
  isUndeliverable(platform: Platform, chatId: string): Promise<boolean>;
  clear(platform: Platform, chatId: string): Promise<void>;
}
