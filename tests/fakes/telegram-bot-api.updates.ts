// Updates the fake Telegram Bot API injects: builders for a user's message
// and a button press, and webhook delivery as Telegram performs it.

import type { Chat, Message, MessageEntity, Update } from "grammy/types";
import { postJson } from "./telegram-bot-api.http.js";
import { callMethod, canonicalMethod } from "./telegram-bot-api.methods.js";
import type { FakeBotState } from "./telegram-bot-api.state.js";

export interface MessageUpdateOptions {
  chatId: number;
  /** Default: "private" for a positive id, "group"/"supergroup" for a negative one. */
  chatType?: Chat["type"];
  fromId: number;
  text: string;
  username?: string;
  firstName?: string;
  /** Default: a bot_command entity at offset 0 when text starts with "/". */
  entities?: MessageEntity[];
}

export interface CallbackUpdateOptions {
  chatId: number;
  fromId: number;
  data: string;
  /** The message carrying the button; the stored message is attached when known. */
  messageId: number;
  username?: string;
  firstName?: string;
}

export type UpdateInput = Omit<Update, "update_id"> & { update_id?: number };

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const userOf = (o: { fromId: number; firstName?: string; username?: string }) => ({
  id: o.fromId,
  is_bot: false as const,
  first_name: o.firstName ?? "Test",
  ...(o.username ? { username: o.username } : {}),
});

/** A user's text message; takes the chat's next message id and is stored. */
export function buildMessage(state: FakeBotState, o: MessageUpdateOptions): UpdateInput {
  const chatState = state.chatState(o.chatId, o.chatType);
  const from = userOf(o);
  if (chatState.chat.type === "private") {
    chatState.chat = { id: o.chatId, type: "private", first_name: from.first_name, ...(o.username ? { username: o.username } : {}) };
    state.neverStarted.delete(String(o.chatId)); // writing to the bot starts the conversation
  }
  const command = o.text.startsWith("/") ? (o.text.split(/\s/, 1)[0] ?? o.text) : undefined;
  const entities = o.entities ?? (command ? [{ type: "bot_command" as const, offset: 0, length: command.length }] : undefined);
  const message = {
    message_id: chatState.nextMessageId++,
    date: Math.floor(state.now / 1000),
    chat: chatState.chat,
    from,
    text: o.text,
    ...(entities ? { entities } : {}),
  } as Message;
  chatState.messages.set(message.message_id, { fromBot: false, message });
  return { message } as UpdateInput;
}

/** A press of an inline button with `data` on message `messageId`. */
export function buildCallback(state: FakeBotState, o: CallbackUpdateOptions): UpdateInput {
  const chatState = state.chatState(o.chatId);
  const message = chatState.messages.get(o.messageId)?.message ?? {
    message_id: o.messageId,
    date: Math.floor(state.now / 1000),
    chat: chatState.chat,
    from: state.config.botInfo,
    text: "",
  };
  return {
    callback_query: {
      id: state.newCallbackId(),
      from: userOf(o),
      chat_instance: `ci-${o.chatId}`,
      data: o.data,
      message,
    },
  } as UpdateInput;
}

/**
 * POSTs an update to a (local) webhook like Telegram: JSON body, secret in
 * X-Telegram-Bot-Api-Secret-Token when given. A method call in the response
 * body (grammY's webhook reply) is executed. Returns the HTTP status; rejects
 * when the webhook does not answer within webhookTimeoutMs.
 */
export async function deliverWebhook(
  state: FakeBotState,
  url: string,
  update: UpdateInput,
  secretToken?: string,
): Promise<number> {
  const target = new URL(url);
  if (!LOCAL_HOSTS.has(target.hostname)) throw new Error(`webhook must be local, got ${target.hostname}`);
  // Numbered like any update, but delivered by HTTP instead of queued for getUpdates.
  const full = update.update_id === undefined ? state.push(update) : (update as Update);
  state.nextUpdateId = Math.max(state.nextUpdateId, full.update_id + 1);
  if (full.callback_query) state.openCallbackQueries.add(full.callback_query.id);
  const index = state.updates.findIndex((u) => u.update_id === full.update_id);
  if (index >= 0) state.updates.splice(index, 1);
  const headers: Record<string, string> = secretToken ? { "X-Telegram-Bot-Api-Secret-Token": secretToken } : {};
  const { status, body } = await postJson(url, full, headers, state.config.webhookTimeoutMs);
  runWebhookReply(state, body);
  return status;
}

function runWebhookReply(state: FakeBotState, body: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return;
  }
  if (!parsed || typeof parsed !== "object") return;
  const { method, ...params } = parsed as Record<string, unknown>;
  if (typeof method !== "string") return;
  callMethod(state, canonicalMethod(method) ?? method, params, {});
}
