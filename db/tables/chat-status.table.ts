import type { Platform } from "../../core/domain/identity.js";

/** Chats that cannot receive messages (blocked the bot) until the user writes again. */
export interface ChatStatusTable {
  platform: Platform;
  chat_id: string;
  reason: string;
  since: number;
}
