import { autoRetry } from "@grammyjs/auto-retry";
import { run, sequentialize, type RunnerHandle } from "@grammyjs/runner";
import { Api, Bot, webhookCallback, type Context } from "grammy";
import type { BotCommand, Update, UserFromGetMe } from "grammy/types";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { InboundMessage, Reply } from "../../core/domain/message.js";
import { isButtonRefusal } from "../../core/errors.js";
import type { Logger } from "../../core/ports/logger.port.js";
import type { ChatStatusStore, Notifier } from "../../core/ports/notifier.port.js";
import type { Spacer } from "../../core/ports/rate-limit.port.js";
import type { Outcome, ReplyMeta, Responder } from "../../core/router/pipeline.js";
import { plainText, textReply } from "../../core/router/reply.js";
import { normalizeUpdate } from "./normalize.js";
import { sharedLimits } from "./outbound-limits.js";
import { TelegramSender } from "./sender.js";
import type { KvStore } from "../../core/ports/kv.port.js";

export interface TelegramAdapterOptions {
  token: string;
  apiRoot: string;
  handle: (msg: InboundMessage, respond: Responder) => Promise<Outcome>;
  log: Logger;
  chatStatus: ChatStatusStore;
  /** Records pending deletions (exported keys) so they survive a restart. */
  kv?: KvStore;
  /** setMyCommands at start-up: what private chats and groups see in the menu. */
  menu: { private: BotCommand[]; group: BotCommand[] };
  /** Skip getMe (tests). */
  botInfo?: UserFromGetMe;
  /** Webhook mode (TELEGRAM_WEBHOOK_URL): updates arrive over HTTP, checked against the secret. */
  webhook?: { url: string; secret: string };
  /** Outbound limits (sliding windows: 30 msg/s overall, 1/s per chat, 20/min per group); false only for benchmarks. */
  throttle?: boolean;
  /** Where the spacing is booked: this process (MemorySpacer) or every process (RedisSpacer). */
  spacer: Spacer;
  /** Overall messages in any second (default 30, Telegram's limit: the windows are exact, see outbound-limits.ts). */
  globalPerSecond?: number;
  retry?: { maxRetryAttempts?: number; maxDelaySeconds?: number };
  now?: () => number;
}

export { sharedLimits, globalRule, TELEGRAM_CHAT_LIMITS, type SpacingTime } from "./outbound-limits.js";

type GrammySignal = Parameters<Api["getMe"]>[0];

const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;

/**
 * Telegram on grammY: long polling through @grammyjs/runner (concurrent, sequential per chat) or a
 * webhook; updates become InboundMessages (update_id is the idempotency key); replies are rendered as
 * Telegram HTML, private replies never land in a group, buttons are bound to whoever caused them.
 */
export class TelegramAdapter {
  readonly bot: Bot;
  private readonly sender: TelegramSender;
  private runner: RunnerHandle | undefined;
  private readonly log: Logger;
  /** The start-up calls, without auto-retry: the caller retries whole attempts and says so each time. */
  private readonly connectApi: Api;
  private started = false;

  constructor(private readonly o: TelegramAdapterOptions) {
    this.log = o.log.child({ adapter: "telegram" });
    this.bot = new Bot(o.token, { client: { apiRoot: o.apiRoot }, ...(o.botInfo ? { botInfo: o.botInfo } : {}) });
    this.connectApi = new Api(o.token, { apiRoot: o.apiRoot });
    // Our own limiter rather than @grammyjs/transformer-throttler: that one spaces a chat's messages
    // when they join the queue, so a long global queue can bunch two of them into one second (a 429;
    // tests/adapters/telegram/spacing.test.ts), and it cannot be shared between processes.
    if (o.throttle !== false) this.bot.api.config.use(sharedLimits(o.spacer, { perSecond: o.globalPerSecond ?? 30 }));
    this.bot.api.config.use(
      autoRetry({ maxRetryAttempts: o.retry?.maxRetryAttempts ?? 5, maxDelaySeconds: o.retry?.maxDelaySeconds ?? 120 }),
    );
    const now = o.now ?? Date.now;
    this.sender = new TelegramSender(this.bot.api, o.chatStatus, this.log, now, o.kv);
    this.bot.use(sequentialize((ctx: Context) => String(ctx.chat?.id ?? ctx.from?.id ?? "")));
    this.bot.on(["message", "callback_query:data"], (ctx) => this.onUpdate(ctx));
    this.bot.on("my_chat_member", async (ctx) => {
      const status = ctx.myChatMember.new_chat_member.status;
      const chatId = String(ctx.chat.id);
      if (status === "kicked" || status === "left") await o.chatStatus.markUndeliverable("telegram", chatId, `bot ${status}`, now());
      else await o.chatStatus.clear("telegram", chatId);
    });
    this.bot.catch((err) => this.log.error({ err: err.error, update: err.ctx.update.update_id }, "telegram update failed"));
  }

  get username(): string {
    return this.bot.botInfo.username;
  }

  /**
   * Connects (getMe, then the webhook set or removed) and starts intake. `signal` aborts the
   * connecting calls; a failed start can simply be called again (bots/connect.ts does, with back-off).
   */
  async start(abort?: AbortSignal): Promise<void> {
    const signal = abort as GrammySignal; // grammY types the same object with the abort-controller package's AbortSignal
    if (!this.bot.isInited()) this.bot.botInfo = await this.connectApi.getMe(signal);
    if (this.o.webhook) {
      await this.connectApi.setWebhook(this.o.webhook.url, { secret_token: this.o.webhook.secret, allowed_updates: [...ALLOWED_UPDATES] }, signal);
    } else {
      await this.connectApi.deleteWebhook(undefined, signal);
    }
    if (this.started) return;
    this.started = true;
    const resumed = await this.sender.resumeDeletions().catch(() => 0);
    if (resumed) this.log.info({ resumed }, "pending message deletions resumed");
    // The menu is a nicety: it never holds up intake.
    void this.setMenu().catch((err: unknown) => this.log.warn({ err }, "setMyCommands failed"));
    if (this.o.webhook) {
      this.log.info({ url: this.o.webhook.url }, "telegram webhook set");
      return;
    }
    this.runner = run(this.bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
    this.log.info({ bot: this.username }, "telegram long polling started");
  }

  /** Stops intake; in-flight updates finish (the caller waits for the router to go idle). */
  async stop(): Promise<void> {
    if (this.runner?.isRunning()) await this.runner.stop();
    this.sender.stop();
  }

  /**
   * Node http handler for webhook mode, given the body the HTTP server already read (capped there):
   * 401 and no processing without the right secret header (grammY compares it in constant time).
   */
  webhookHandler(): (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> {
    if (!this.o.webhook) throw new Error("webhook mode is not configured");
    // grammY's "http" adapter reads the request stream itself; this one takes the read body instead.
    const adapter = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
      const header = req.headers["x-telegram-bot-api-secret-token"];
      return {
        get update() {
          return Promise.resolve().then(() => JSON.parse(body.toString("utf8")) as Update);
        },
        header: Array.isArray(header) ? header[0] : header,
        end: () => void res.end(),
        respond: (json: string) => void res.writeHead(200, { "content-type": "application/json" }).end(json),
        unauthorized: () => void res.writeHead(401).end("secret token is wrong"),
      };
    };
    const cb = webhookCallback(this.bot, adapter, {
      secretToken: this.o.webhook.secret,
      onTimeout: "return",
      timeoutMilliseconds: 9000,
    });
    return async (req, res, body) => {
      try {
        await cb(req, res, body);
      } catch (err) {
        this.log.error({ err }, "webhook update failed");
        if (!res.headersSent) res.writeHead(err instanceof SyntaxError ? 400 : 500).end();
      }
    };
  }

  notifier(): Notifier {
    return {
      platform: "telegram",
      send: async (chatId, reply, progress) => {
        if (await this.o.chatStatus.isUndeliverable("telegram", chatId)) return { ok: false, permanent: true, reason: "undeliverable" };
        return this.sender.send(chatId, reply, progress ?? {});
      },
    };
  }

  private async setMenu() {
    await this.bot.api.setMyCommands(this.o.menu.private, { scope: { type: "all_private_chats" } });
    await this.bot.api.setMyCommands(this.o.menu.group, { scope: { type: "all_group_chats" } });
  }

  private async onUpdate(ctx: Context): Promise<void> {
    const msg = normalizeUpdate(ctx.update, ctx.me);
    if (!msg) return this.log.debug({ update: ctx.update.update_id }, "service message or nothing to answer: ignored");
    const cq = ctx.callbackQuery;
    let answered = false;
    const answer = async (text?: string) => {
      if (answered || !cq) return;
      answered = true;
      await ctx.answerCallbackQuery(text ? { text: text.slice(0, 200), show_alert: true } : {}).catch((err: unknown) =>
        this.log.debug({ err }, "answerCallbackQuery failed"),
      );
    };
    const respond: Responder = async (reply: Reply, meta?: ReplyMeta) => {
      // a refused button becomes an alert on the pressed button, and nothing else happens
      if (cq && isButtonRefusal(meta?.code)) return answer(plainText(reply));
      await answer();
      await this.deliver(ctx, msg, reply);
    };
    try {
      await this.o.handle(msg, respond);
    } finally {
      await answer(); // buttons always stop spinning
    }
  }

  private async deliver(ctx: Context, msg: InboundMessage, reply: Reply): Promise<void> {
    const chatId = ctx.chat!.id;
    const group = msg.chat.kind === "group";
    const replyTo = ctx.message?.message_id;
    if (reply.private && group) {
      const userId = ctx.from!.id;
      const dm = await this.sender.send(userId, reply);
      const who = msg.sender.name;
      if (dm.ok) {
        await this.sender.send(chatId, textReply(`${who}, I sent you a private message.`), replyTo ? { replyTo } : {});
        return;
      }
      // Never started the bot (or blocked it): a deep link to open the private chat, nothing private here.
      await this.bot.api
        .sendMessage(chatId, `${escape(who)}, that answer is private. Open a chat with me first, then ask again there.`, {
          parse_mode: "HTML",
          reply_markup: { inline_keyboard: [[{ text: "Open a private chat", url: `https://t.me/${this.username}?start=private` }]] },
          ...(replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
        })
        .catch((err: unknown) => this.log.warn({ err }, "could not post the deep link"));
      return;
    }
    const pressed = ctx.callbackQuery?.message;
    if (reply.editsOriginal && pressed) {
      await this.sender.edit(chatId, pressed.message_id, reply);
      return;
    }
    await this.sender.send(chatId, reply, group && replyTo ? { replyTo } : {});
  }
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
