/** Chats that cannot receive messages (blocked the bot) until the user writes again. */
export interface ChatStatusTable {
  platform: string;
  chat_id: string;
  reason: string;
  since: number;
}
