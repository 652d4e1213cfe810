import type { Update, UserFromGetMe } from "grammy/types";
import type { InboundMessage } from "../../core/domain/message.js";

const displayName = (u: { username?: string; first_name?: string; last_name?: string; id: number }) =>
  u.username ? `@${u.username}` : [u.first_name, u.last_name].filter(Boolean).join(" ") || String(u.id);

/**
 * A Telegram update as the router's InboundMessage; `update_id` is the idempotency key. Updates with
 * nothing addressed to anyone (service messages, automatic forwards, other kinds) -> undefined.
 */
export function normalizeUpdate(update: Update, me: UserFromGetMe): InboundMessage | undefined {
  const updateId = String(update.update_id);
  const cq = update.callback_query;
  if (cq) {
    const chat = cq.message?.chat;
    if (!chat || cq.data === undefined) return undefined;
    return {
      platform: "telegram",
      updateId,
      chat: { id: String(chat.id), kind: chat.type === "private" ? "private" : "group" },
      sender: { id: String(cq.from.id), name: displayName(cq.from), isBot: cq.from.is_bot },
      text: "",
      action: cq.data,
      botUsername: me.username,
      ...(cq.message?.message_id ? { replyTo: String(cq.message.message_id) } : {}),
    };
  }
  const m = update.message;
  if (!m || !m.from) return undefined;
  // Service messages (pins, joins and leaves, topic and title changes) and media without a caption
  // carry nothing to answer; a channel post auto-forwarded into its discussion group (from 777000,
  // is_automatic_forward) was written for the channel, not to us.
  if ((m.text === undefined && m.caption === undefined) || m.is_automatic_forward) return undefined;
  const text = m.text ?? m.caption ?? "";
  const entities = m.entities ?? m.caption_entities ?? [];
  const mine = `@${me.username}`.toLowerCase();
  const mentionsBot =
    entities.some(
      (e) =>
        (e.type === "mention" && text.slice(e.offset, e.offset + e.length).toLowerCase() === mine) ||
        (e.type === "text_mention" && e.user?.id === me.id),
    ) || m.reply_to_message?.from?.id === me.id;
  return {
    platform: "telegram",
    updateId,
    chat: { id: String(m.chat.id), kind: m.chat.type === "private" ? "private" : "group" },
    sender: { id: String(m.from.id), name: displayName(m.from), isBot: m.from.is_bot },
    text,
    mentionsBot,
    botUsername: me.username,
    sentAt: new Date(m.date * 1000),
    ...(m.reply_to_message ? { replyTo: String(m.reply_to_message.message_id) } : {}),
  };
}
