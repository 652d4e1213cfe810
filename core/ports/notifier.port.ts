import type { Platform } from "../domain/identity.js";
import type { Reply } from "../domain/message.js";

export type DeliveryResult =
  | { ok: true; messageIds: string[] }
  /**
   * permanent: retrying cannot help (blocked, chat gone); otherwise retry, after retryAfterMs when
   * given. deferred: nothing was sent (our own pacing of the platform says later): not an attempt.
   */
  | { ok: false; permanent: boolean; reason: string; retryAfterMs?: number; deferred?: boolean };

/**
 * How a push is resumed and recorded part by part. A reply may go out as several platform messages
 * (a chart, then text split under the length limit); each is a part, counted in rendering order.
 */
export interface PushProgress {
  /** Parts an earlier attempt already delivered: they are not sent again. */
  skipParts?: number;
  /**
   * Called synchronously in the continuation of the platform's answer for each part it accepted
   * (`last` when the reply is complete), before anything else is awaited, so the caller can record
   * it at once: a crash can then repeat only the part whose answer arrived but whose record had not left.
   */
  onPart?: (index: number, last: boolean) => void;
}

/** Outbound pushes (alerts, fills, treasury reports) to one platform chat. */
export interface Notifier {
  readonly platform: Platform;
  send(chatId: string, reply: Reply, progress?: PushProgress): Promise<DeliveryResult>;
}

/** Chats we must stop writing to (the user blocked the bot) until they write to us again. */
export interface ChatStatusStore {
  markUndeliverable(platform: Platform, chatId: string, reason: string, at: number): Promise<void>;
  isUndeliverable(platform: Platform, chatId: string): Promise<boolean>;
  clear(platform: Platform, chatId: string): Promise<void>;
}
