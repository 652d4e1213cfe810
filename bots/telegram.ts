import type { UserFromGetMe } from "grammy/types";
import { TelegramAdapter } from "../adapters/telegram/telegram-adapter.js";
import type { AnyCommand } from "../core/router/command.js";
import type { App } from "./app.js";
import type { HttpServer } from "./http.js";

/** The Telegram command menu from the registry: private chats see every non-admin command, groups the public ones. */
export function telegramMenu(commands: readonly AnyCommand[]) {
  const entry = (c: AnyCommand) => ({ command: c.name, description: c.summary.slice(0, 256) });
  const ok = (c: AnyCommand) => /^[a-z0-9_]{1,32}$/.test(c.name) && c.scope !== "admin";
  return {
    private: commands.filter(ok).map(entry),
    group: commands.filter((c) => ok(c) && c.scope === "public").map(entry),
  };
}

export function createTelegram(app: App, opts: { http?: HttpServer; botInfo?: UserFromGetMe; throttle?: boolean } = {}) {
  const c = app.config;
  if (!c.TELEGRAM_BOT_TOKEN) throw new Error("TELEGRAM_BOT_TOKEN is not set");
  const webhook = c.TELEGRAM_WEBHOOK_URL && c.TELEGRAM_WEBHOOK_SECRET ? { url: c.TELEGRAM_WEBHOOK_URL, secret: c.TELEGRAM_WEBHOOK_SECRET } : undefined;
  const adapter = new TelegramAdapter({
    token: c.TELEGRAM_BOT_TOKEN,
    apiRoot: c.TELEGRAM_API_ROOT,
    handle: (msg, respond) => app.router.handle(msg, respond),
    log: app.log,
    chatStatus: app.repos.chatStatus,
    kv: app.repos.kv,
    menu: telegramMenu(app.router.commands()),
    now: () => app.clock.now(),
    ...(webhook ? { webhook } : {}),
    ...(opts.botInfo ? { botInfo: opts.botInfo } : {}),
    ...(opts.throttle === false ? { throttle: false } : {}),
    globalPerSecond: c.TELEGRAM_GLOBAL_PER_S,
    // With Redis every process books Telegram's limits in one place; without, this process does.
    spacer: app.spacer,
  });
  if (webhook && opts.http) opts.http.route(new URL(webhook.url).pathname, adapter.webhookHandler());
  return adapter;
}
