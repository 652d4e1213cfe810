// State of the fake Telegram Bot API (one bot): chats and their messages,
// the update queue, blocked users, webhook, commands, and the records that
// tests inspect. Message-sending methods live in telegram-bot-api.methods.ts.

import type { BotCommand, Chat, Message, Update, UserFromGetMe } from "grammy/types";
import { SlidingWindowLimiter, type RateLimitHit } from "./telegram-bot-api.limits.js";
import type { UploadedFile } from "./telegram-bot-api.http.js";

export type ApiResponse =
  | { ok: true; result: unknown; description?: string }
  | {
      ok: false;
      error_code: number;
      description: string;
      parameters?: { retry_after?: number; migrate_to_chat_id?: number };
    };

/** One accepted message-sending call (what a user would see). */
export interface SentMessage {
  method: string;
  chat_id: number | string;
  message_id: number;
  /** Text or caption exactly as the bot sent it (markup included). */
  text?: string;
  caption?: string;
  /** Text or caption as the user sees it (HTML tags removed, entities decoded). */
  plainText?: string;
  parse_mode?: string;
  reply_markup?: unknown;
  photo?: { bytes?: number; filename?: string; fileRef?: string };
  params: Record<string, unknown>;
  time: number;
}

/** One HTTP request to the fake, filled in when it is answered. */
export interface ApiCall {
  method: string;
  token: string;
  params: Record<string, unknown>;
  files: Record<string, Omit<UploadedFile, "data">>;
  time: number;
  status?: number;
  ok?: boolean;
  description?: string;
}

export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
  url?: string;
  cache_time?: number;
  time: number;
}

export interface WebhookConfig {
  url: string;
  secret_token?: string;
  max_connections?: number;
  allowed_updates?: unknown;
}

export interface FailSpec {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
  times?: number;
}

export interface StoredMessage {
  fromBot: boolean;
  message: Message;
  /** The raw text or caption the bot last sent, and its markup. */
  raw?: string;
  markup?: unknown;
}

export interface ChatState {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
}

export type Reply = { status: number; body: ApiResponse };

export const ok = (result: unknown, description?: string): Reply => ({
  status: 200,
  body: description === undefined ? { ok: true, result } : { ok: true, result, description },
});

export const fail = (code: number, description: string, parameters?: { retry_after?: number }): Reply => ({
  status: code,
  body: parameters ? { ok: false, error_code: code, description, parameters } : { ok: false, error_code: code, description },
});

export const badRequest = (description: string): Reply =>
  fail(400, description.startsWith("Bad Request") ? description : `Bad Request: ${description}`);

export interface StateConfig {
  botInfo: UserFromGetMe;
  now: () => number;
  strictAmpersand: boolean;
  webhookTimeoutMs: number;
}

export class FakeBotState {
  readonly sent: SentMessage[] = [];
  readonly calls: ApiCall[] = [];
  readonly callbackAnswers: CallbackAnswer[] = [];
  readonly tooManyRequests: RateLimitHit[] = [];
  readonly updates: Update[] = [];
  readonly redelivered: Update[] = [];
  readonly blocked = new Set<string>();
  readonly neverStarted = new Set<string>();
  readonly chats = new Map<string, ChatState>();
  readonly openCallbackQueries = new Set<string>();
  readonly commands = new Map<string, BotCommand[]>();
  readonly failures = new Map<string, FailSpec[]>();
  webhook: WebhookConfig | null = null;
  nextUpdateId = 1;
  nextFileId = 1;
  private nextCallbackId = 1;
  private readonly sentListeners = new Set<(m: SentMessage) => void>();

  constructor(
    readonly config: StateConfig,
    readonly limiter: SlidingWindowLimiter,
  ) {}

  get now(): number {
    return this.config.now();
  }

  reset(): void {
    this.sent.length = 0;
    this.calls.length = 0;
    this.callbackAnswers.length = 0;
    this.tooManyRequests.length = 0;
    this.updates.length = 0;
    this.redelivered.length = 0;
    this.blocked.clear();
    this.neverStarted.clear();
    this.chats.clear();
    this.openCallbackQueries.clear();
    this.commands.clear();
    this.failures.clear();
    this.webhook = null;
    this.limiter.reset();
  }

  chatState(chatId: number | string, type?: Chat["type"]): ChatState {
    const key = String(chatId);
    let state = this.chats.get(key);
    if (!state) {
      state = { chat: makeChat(chatId, type), nextMessageId: 1, messages: new Map() };
      this.chats.set(key, state);
    } else if (type && type !== state.chat.type) {
      state.chat = makeChat(chatId, type);
    }
    return state;
  }

  isGroup(chatId: number | string): boolean {
    const type = this.chats.get(String(chatId))?.chat.type;
    if (type) return type !== "private";
    return typeof chatId === "string" || chatId < 0;
  }

  /** Adds an update to the queue, numbering it when it has no update_id. */
  push(update: Partial<Update> & Omit<Update, "update_id">): Update {
    const id = update.update_id ?? this.nextUpdateId;
    this.nextUpdateId = Math.max(this.nextUpdateId, id + 1);
    const full = { ...update, update_id: id } as Update;
    if (full.callback_query) this.openCallbackQueries.add(full.callback_query.id);
    const incoming = full.message ?? full.edited_message;
    if (incoming) {
      // Remember users' messages (e.g. from fixtures) so later ids and edits line up.
      const chat = this.chatState(incoming.chat.id, incoming.chat.type);
      chat.nextMessageId = Math.max(chat.nextMessageId, incoming.message_id + 1);
      chat.messages.set(incoming.message_id, { fromBot: false, message: incoming });
    }
    this.updates.push(full);
    return full;
  }

  newCallbackId(): string {
    return `cbq-${this.now}-${this.nextCallbackId++}`;
  }

  /**
   * Confirms updates below `offset` and returns up to `limit` pending ones;
   * redelivered updates come first, once each, whatever the offset.
   */
  takeUpdates(offset: number, limit: number): Update[] {
    if (offset > 0) {
      const keep = this.updates.filter((u) => u.update_id >= offset);
      this.updates.splice(0, this.updates.length, ...keep);
    } else if (offset < 0) {
      this.updates.splice(0, Math.max(0, this.updates.length + offset));
    }
    const forced = this.redelivered.splice(0, limit);
    return [...forced, ...this.updates.slice(0, limit - forced.length)];
  }

  hasPendingFor(offset: number): boolean {
    return this.redelivered.length > 0 || this.updates.some((u) => offset <= 0 || u.update_id >= offset);
  }

  /** Consumes a failure injected with failNext for this method, if any. */
  takeFailure(method: string): FailSpec | undefined {
    const queue = this.failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    const left = (head.times ?? 1) - 1;
    if (left <= 0) queue.shift();
    else head.times = left;
    return head;
  }

  recordSent(m: SentMessage): void {
    this.sent.push(m);
    for (const listener of [...this.sentListeners]) listener(m);
  }

  onSent(listener: (m: SentMessage) => void): () => void {
    this.sentListeners.add(listener);
    return () => this.sentListeners.delete(listener);
  }
}

export function makeChat(chatId: number | string, type?: Chat["type"]): Chat {
  const resolved: Chat["type"] =
    type ?? (typeof chatId === "string" ? "channel" : chatId > 0 ? "private" : chatId < -1e12 ? "supergroup" : "group");
  const id = typeof chatId === "number" ? chatId : -1_000_000_000_000 - hash(chatId);
  switch (resolved) {
    case "private":
      return { id, type: "private", first_name: `User ${id}` };
    case "group":
      return { id, type: "group", title: `Group ${id}` };
    case "supergroup":
      return { id, type: "supergroup", title: `Supergroup ${id}` };
    case "channel":
      return typeof chatId === "string"
        ? { id, type: "channel", title: chatId, username: chatId.replace(/^@/, "") }
        : { id, type: "channel", title: `Channel ${id}` };
  }
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_000;
  return h;
}
