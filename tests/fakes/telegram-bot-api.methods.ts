// Bot API methods of the fake (all but getUpdates, which needs the server to
// hold requests open). Each returns the HTTP status and Telegram's JSON body.

import type { Message, MessageEntity } from "grammy/types";
import type { UploadedFile } from "./telegram-bot-api.http.js";
import {
  MAX_CAPTION_LENGTH,
  MAX_TEXT_LENGTH,
  checkCommands,
  checkReplyMarkup,
  parseFormatted,
} from "./telegram-bot-api.validate.js";
import {
  badRequest,
  fail,
  ok,
  type FakeBotState,
  type Reply,
  type StoredMessage,
} from "./telegram-bot-api.state.js";

/** Methods that count against the rate limits and are recorded in `sent`. */
export const RATE_LIMITED_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "editMessageText",
  "editMessageCaption",
  "editMessageReplyMarkup",
]);

type Params = Record<string, unknown>;
type Files = Record<string, UploadedFile>;
type Handler = (s: FakeBotState, p: Params, f: Files) => Reply;

export const KNOWN_METHODS = [
  "getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "sendMessage", "sendPhoto",
  "editMessageText", "editMessageCaption", "editMessageReplyMarkup", "answerCallbackQuery", "deleteMessage",
  "setMyCommands", "getMyCommands", "deleteMyCommands", "sendChatAction", "close", "logOut",
];

const CANONICAL = new Map(KNOWN_METHODS.map((m) => [m.toLowerCase(), m]));

/** Telegram method names are case-insensitive. */
export function canonicalMethod(name: string): string | undefined {
  return CANONICAL.get(name.toLowerCase());
}

// ---- parameter coercion (query, urlencoded and multipart give strings) ----

export function chatIdOf(v: unknown): number | string | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  if (typeof v === "string" && v.startsWith("@") && v.length > 1) return v;
  return undefined;
}

export function intOf(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

function strOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function boolOf(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return undefined;
}

/** Objects arrive as JSON strings in form bodies (and may in JSON bodies). */
export function jsonOf(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return Symbol.for("invalid-json");
  }
}

const sameMarkup = (a: unknown, b: unknown): boolean => JSON.stringify(norm(a)) === JSON.stringify(norm(b));
const norm = (m: unknown): unknown => {
  const rows = (m as { inline_keyboard?: unknown[] } | undefined)?.inline_keyboard;
  return rows && rows.length > 0 ? m : null;
};
const inlineMarkup = (m: unknown): { reply_markup?: Message["reply_markup"] } =>
  norm(m) ? { reply_markup: m as Message["reply_markup"] } : {};

// ---- shared checks ----

function checkChat(s: FakeBotState, chatId: number | string | undefined): Reply | null {
  if (chatId === undefined) return badRequest("chat_id is empty");
  const key = String(chatId);
  if (s.blocked.has(key)) return fail(403, "Forbidden: bot was blocked by the user");
  if (s.neverStarted.has(key)) return fail(403, "Forbidden: bot can't initiate conversation with a user");
  return null;
}

function checkRate(s: FakeBotState, method: string, chatId: number | string): Reply | null {
  const hit = s.limiter.check(String(chatId), s.isGroup(chatId), s.now);
  if (!hit) return null;
  s.tooManyRequests.push({ method, chat_id: chatId, scope: hit.scope, retry_after: hit.retryAfter, time: s.now });
  return fail(429, `Too Many Requests: retry after ${hit.retryAfter}`, { retry_after: hit.retryAfter });
}

interface Formatted {
  raw: string;
  plain: string;
  entities: MessageEntity[];
}

function format(s: FakeBotState, p: Params, field: "text" | "caption", max: number): Formatted | Reply {
  const raw = strOf(p[field]) ?? "";
  const parsed = parseFormatted(raw, p.parse_mode, s.config.strictAmpersand);
  if (!parsed.ok) return badRequest(parsed.description);
  if (field === "text" && parsed.text.trim().length === 0) return badRequest("message text is empty");
  if (parsed.text.length > max) {
    return badRequest(field === "text" ? "message is too long" : "message caption is too long");
  }
  return { raw, plain: parsed.text, entities: parsed.entities };
}

const isReply = (v: unknown): v is Reply => typeof v === "object" && v !== null && "status" in v && "body" in v;

function markupOf(p: Params): unknown {
  const markup = jsonOf(p.reply_markup);
  return markup;
}

function checkMarkup(markup: unknown): Reply | null {
  if (typeof markup === "symbol") return badRequest("can't parse reply keyboard markup JSON object");
  const problem = checkReplyMarkup(markup);
  return problem ? badRequest(problem) : null;
}

function accept(s: FakeBotState, method: string, chatId: number | string, message: Message, extra: {
  text?: string; caption?: string; plain?: string; markup?: unknown; photo?: { bytes?: number; filename?: string; fileRef?: string }; params: Params;
}): void {
  s.limiter.record(String(chatId), s.isGroup(chatId), s.now);
  s.recordSent({
    method,
    chat_id: chatId,
    message_id: message.message_id,
    ...(extra.text !== undefined ? { text: extra.text } : {}),
    ...(extra.caption !== undefined ? { caption: extra.caption } : {}),
    ...(extra.plain !== undefined ? { plainText: extra.plain } : {}),
    ...(typeof extra.params.parse_mode === "string" ? { parse_mode: extra.params.parse_mode } : {}),
    ...(extra.markup !== undefined ? { reply_markup: extra.markup } : {}),
    ...(extra.photo ? { photo: extra.photo } : {}),
    params: extra.params,
    time: s.now,
  });
}

function newMessage(s: FakeBotState, chatId: number | string): { stored: StoredMessage; base: Message } {
  const chat = s.chatState(chatId);
  const base = {
    message_id: chat.nextMessageId++,
    date: Math.floor(s.now / 1000),
    chat: chat.chat,
    from: { ...s.config.botInfo, is_bot: true as const },
  } as Message;
  const stored: StoredMessage = { fromBot: true, message: base };
  chat.messages.set(base.message_id, stored);
  return { stored, base };
}

// ---- methods ----

const sendMessage: Handler = (s, p) => {
  const chatId = chatIdOf(p.chat_id);
  const f = format(s, p, "text", MAX_TEXT_LENGTH);
  if (isReply(f)) return f;
  const markup = markupOf(p);
  const bad = checkMarkup(markup) ?? checkChat(s, chatId) ?? checkRate(s, "sendMessage", chatId as number | string);
  if (bad) return bad;
  const { stored, base } = newMessage(s, chatId as number | string);
  const message = {
    ...base,
    text: f.plain,
    ...(f.entities.length ? { entities: f.entities } : {}),
    ...inlineMarkup(markup),
  } as Message;
  Object.assign(stored, { message, raw: f.raw, markup });
  accept(s, "sendMessage", chatId as number | string, message, { text: f.raw, plain: f.plain, markup, params: p });
  return ok(message);
};

const sendPhoto: Handler = (s, p, files) => {
  const chatId = chatIdOf(p.chat_id);
  const f = format(s, p, "caption", MAX_CAPTION_LENGTH);
  if (isReply(f)) return f;
  const ref = strOf(p.photo);
  const file = ref?.startsWith("attach://") ? files[ref.slice("attach://".length)] : files.photo;
  if (!file && (!ref || ref.startsWith("attach://"))) return badRequest("there is no photo in the request");
  if (file && file.bytes === 0) return badRequest("file must be non-empty");
  const markup = markupOf(p);
  const bad = checkMarkup(markup) ?? checkChat(s, chatId) ?? checkRate(s, "sendPhoto", chatId as number | string);
  if (bad) return bad;
  const { stored, base } = newMessage(s, chatId as number | string);
  const fileId = `AgAC-fake-photo-${s.nextFileId++}`;
  const message = {
    ...base,
    photo: [{ file_id: fileId, file_unique_id: `u-${fileId}`, width: 800, height: 600, file_size: file?.bytes ?? 0 }],
    ...(f.raw ? { caption: f.plain } : {}),
    ...(f.entities.length ? { caption_entities: f.entities } : {}),
    ...inlineMarkup(markup),
  } as Message;
  Object.assign(stored, { message, raw: f.raw, markup });
  const photo = file ? { bytes: file.bytes, ...(file.filename ? { filename: file.filename } : {}) } : { fileRef: ref as string };
  accept(s, "sendPhoto", chatId as number | string, message, {
    caption: f.raw, plain: f.plain, markup, photo, params: p,
  });
  return ok(message);
};

/** Shared by the three edit methods: finds the message and checks rights. */
function editTarget(s: FakeBotState, p: Params): { chatId: number | string; stored: StoredMessage } | Reply | "inline" {
  if (p.inline_message_id !== undefined) return "inline";
  const chatId = chatIdOf(p.chat_id);
  const messageId = intOf(p.message_id);
  const bad = checkChat(s, chatId);
  if (bad) return bad;
  if (messageId === undefined) return badRequest("message identifier is not specified");
  const stored = s.chats.get(String(chatId))?.messages.get(messageId);
  if (!stored) return badRequest("message to edit not found");
  if (!stored.fromBot) return badRequest("message can't be edited");
  return { chatId: chatId as number | string, stored };
}

function editHandler(kind: "text" | "caption" | "markup"): Handler {
  const method = kind === "text" ? "editMessageText" : kind === "caption" ? "editMessageCaption" : "editMessageReplyMarkup";
  return (s, p) => {
    let f: Formatted | undefined;
    if (kind !== "markup") {
      const r = format(s, p, kind, kind === "text" ? MAX_TEXT_LENGTH : MAX_CAPTION_LENGTH);
      if (isReply(r)) return r;
      f = r;
    }
    const markup = markupOf(p);
    const badMarkup = checkMarkup(markup);
    if (badMarkup) return badMarkup;
    const target = editTarget(s, p);
    if (target === "inline") return ok(true);
    if (isReply(target)) return target;
    const { chatId, stored } = target;
    const hasText = stored.message.text !== undefined;
    if (kind === "text" && !hasText) return badRequest("there is no text in the message to edit");
    if (kind === "caption" && hasText) return badRequest("there is no caption in the message to edit");
    const sameContent = f === undefined || f.raw === stored.raw;
    if (sameContent && sameMarkup(markup, stored.markup)) {
      return badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a content and reply markup of the current message",
      );
    }
    const limited = checkRate(s, method, chatId);
    if (limited) return limited;
    const { reply_markup: _old, entities: _e, caption_entities: _c, ...rest } = stored.message as Message & {
      entities?: unknown; caption_entities?: unknown;
    };
    const message = {
      ...rest,
      edit_date: Math.floor(s.now / 1000),
      ...(f && kind === "text" ? { text: f.plain } : {}),
      ...(f && kind === "caption" ? { caption: f.plain } : {}),
      ...(f?.entities.length ? { [kind === "text" ? "entities" : "caption_entities"]: f.entities } : {}),
      ...(f === undefined ? pickEntities(stored.message) : {}),
      ...inlineMarkup(markup),
    } as Message;
    Object.assign(stored, { message, markup, ...(f ? { raw: f.raw } : {}) });
    accept(s, method, chatId, message, {
      ...(kind === "text" ? { text: f?.raw } : {}),
      ...(kind === "caption" ? { caption: f?.raw } : {}),
      plain: f?.plain ?? stored.message.text ?? stored.message.caption,
      markup,
      params: p,
    });
    return ok(message);
  };
}

function pickEntities(m: Message): Partial<Message> {
  const out: Partial<Message> = {};
  if (m.entities) out.entities = m.entities;
  if (m.caption_entities) out.caption_entities = m.caption_entities;
  return out;
}

const deleteMessage: Handler = (s, p) => {
  const chatId = chatIdOf(p.chat_id);
  const bad = checkChat(s, chatId);
  if (bad) return bad;
  const messages = s.chats.get(String(chatId))?.messages;
  const id = intOf(p.message_id);
  if (id === undefined || !messages?.delete(id)) return badRequest("message to delete not found");
  return ok(true);
};

const answerCallbackQuery: Handler = (s, p) => {
  const id = strOf(p.callback_query_id);
  if (!id || !s.openCallbackQueries.delete(id)) {
    return badRequest("query is too old and response timeout expired or query ID is invalid");
  }
  const text = strOf(p.text);
  const url = strOf(p.url);
  const showAlert = boolOf(p.show_alert);
  const cacheTime = intOf(p.cache_time);
  s.callbackAnswers.push({
    callback_query_id: id,
    ...(text !== undefined ? { text } : {}),
    ...(showAlert !== undefined ? { show_alert: showAlert } : {}),
    ...(url !== undefined ? { url } : {}),
    ...(cacheTime !== undefined ? { cache_time: cacheTime } : {}),
    time: s.now,
  });
  return ok(true);
};

const commandsKey = (p: Params): string =>
  JSON.stringify([jsonOf(p.scope) ?? { type: "default" }, strOf(p.language_code) ?? ""]);

const HANDLERS: Record<string, Handler> = {
  getMe: (s) => ok(s.config.botInfo),
  sendMessage,
  sendPhoto,
  editMessageText: editHandler("text"),
  editMessageCaption: editHandler("caption"),
  editMessageReplyMarkup: editHandler("markup"),
  deleteMessage,
  answerCallbackQuery,
  sendChatAction: (s, p) => {
    const bad = checkChat(s, chatIdOf(p.chat_id));
    if (bad) return bad;
    return strOf(p.action) ? ok(true) : badRequest("wrong parameter action in request");
  },
  setMyCommands: (s, p) => {
    const commands = jsonOf(p.commands);
    const problem = checkCommands(commands);
    if (problem) return badRequest(problem);
    s.commands.set(commandsKey(p), commands as never);
    return ok(true);
  },
  getMyCommands: (s, p) => ok(s.commands.get(commandsKey(p)) ?? []),
  deleteMyCommands: (s, p) => {
    s.commands.delete(commandsKey(p));
    return ok(true);
  },
  setWebhook: (s, p) => {
    const url = strOf(p.url) ?? "";
    const secret = strOf(p.secret_token);
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
      return badRequest("secret token contains unallowed characters");
    }
    if (boolOf(p.drop_pending_updates)) s.updates.length = 0;
    if (url === "") {
      s.webhook = null;
      return ok(true, "Webhook was deleted");
    }
    if (!/^https?:\/\//.test(url)) return badRequest("bad webhook: An HTTPS URL must be provided for webhook");
    const max = intOf(p.max_connections);
    const allowed = jsonOf(p.allowed_updates);
    s.webhook = {
      url,
      ...(secret !== undefined ? { secret_token: secret } : {}),
      ...(max !== undefined ? { max_connections: max } : {}),
      ...(allowed !== undefined ? { allowed_updates: allowed } : {}),
    };
    return ok(true, "Webhook was set");
  },
  deleteWebhook: (s, p) => {
    if (boolOf(p.drop_pending_updates)) s.updates.length = 0;
    const had = s.webhook !== null;
    s.webhook = null;
    return ok(true, had ? "Webhook was deleted" : "Webhook is already deleted");
  },
  getWebhookInfo: (s) =>
    ok({
      url: s.webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: s.updates.length,
      ...(s.webhook?.max_connections !== undefined ? { max_connections: s.webhook.max_connections } : {}),
      ...(s.webhook?.allowed_updates !== undefined ? { allowed_updates: s.webhook.allowed_updates } : {}),
    }),
  close: () => ok(true),
  logOut: () => ok(true),
};

/** Runs one method (canonical name) against the state. */
export function callMethod(s: FakeBotState, method: string, params: Params, files: Files): Reply {
  const injected = s.takeFailure(method);
  if (injected) return fail(injected.error_code, injected.description, injected.parameters);
  const handler = HANDLERS[method];
  if (!handler) return fail(404, "Not Found");
  return handler(s, params, files);
}
