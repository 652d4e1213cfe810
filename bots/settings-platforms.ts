import { z } from "zod";
import { httpUrl, int, optionalSecret } from "./config-schema.js";

/** Settings of the chat platforms (Telegram, Discord, X) and the LLM: part of SETTINGS (bots/config.ts), in its order. */
export const PLATFORM_SETTINGS = {
  TELEGRAM_BOT_TOKEN: {
    schema: z.string().regex(/^\d{3,}:[A-Za-z0-9_-]{20,}$/, "must look like 123456:ABC... from @BotFather").optional(),
    default: "",
    doc: "Telegram bot token; set it to run the Telegram adapter",
  },
  TELEGRAM_API_ROOT: { schema: httpUrl, default: "https://api.telegram.org", doc: "Telegram Bot API root" },
  TELEGRAM_GLOBAL_PER_S: {
    schema: z.coerce.number().min(1).max(30),
    default: "30",
    doc: "Messages Purser sends to Telegram in any one second overall, across every process (Telegram allows 30)",
  },
  TELEGRAM_WEBHOOK_URL: {
    schema: httpUrl.optional(),
    default: "",
    doc: "Public https URL Telegram posts updates to (webhook mode, served on HTTP_PORT at its path); unset = long polling",
  },
  TELEGRAM_WEBHOOK_SECRET: {
    schema: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, "must be 16-256 characters of A-Z, a-z, 0-9, _ and -").optional(),
    default: "",
    doc: "Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; required with TELEGRAM_WEBHOOK_URL",
  },
  DISCORD_TOKEN: { schema: optionalSecret, default: "", doc: "Discord bot token" },
  DISCORD_APPLICATION_ID: {
    schema: z.string().regex(/^\d{5,25}$/, "must be the numeric application id").optional(),
    default: "",
    doc: "Discord application id (with DISCORD_TOKEN starts the Discord adapter)",
  },
  DISCORD_API_ROOT: { schema: httpUrl, default: "https://discord.com/api", doc: "Discord REST API root" },
  DISCORD_PUBLIC_KEY: {
    schema: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters").optional(),
    default: "",
    doc: "Discord application public key, for HTTP interactions",
  },
  DISCORD_GUILD_ID: {
    schema: z.string().regex(/^\d{5,25}$/, "must be a numeric guild id").optional(),
    default: "",
    doc: "Register slash commands in this server only (instant; for development); unset = global",
  },
  DISCORD_INTERACTIONS_PATH: {
    schema: z.string().regex(/^\/[A-Za-z0-9._~\/-]{0,200}$/, "must be a path like /discord/interactions").optional(),
    default: "",
    doc: "Serve Discord HTTP interactions at this path on HTTP_PORT instead of the gateway",
  },
  DISCORD_NOTIFY_CHANNEL_ID: {
    schema: z.string().regex(/^\d{5,25}$/, "must be a numeric channel id").optional(),
    default: "",
    doc: "Post alerts to this channel (mentioning the user) instead of DMs; private pushes always go by DM",
  },
  TWITTER_API_ROOT: { schema: httpUrl, default: "https://api.twitter.com", doc: "X (Twitter) API root" },
  TWITTER_APP_KEY: { schema: optionalSecret, default: "", doc: "X OAuth 1.0a app (consumer) key" },
  TWITTER_APP_SECRET: { schema: optionalSecret, default: "", doc: "X OAuth 1.0a app (consumer) secret" },
  TWITTER_ACCESS_TOKEN: { schema: optionalSecret, default: "", doc: "X OAuth 1.0a access token of the bot account" },
  TWITTER_ACCESS_SECRET: { schema: optionalSecret, default: "", doc: "X OAuth 1.0a access secret of the bot account" },
  TWITTER_POLL_S: { schema: int(5, 3600), default: "60", doc: "Seconds between polls of X mentions (one instance polls, by lease)" },
  TWITTER_MAX_REPLIES_PER_AUTHOR_HOUR: {
    schema: int(1, 100),
    default: "5",
    doc: "Public X replies one author may get per hour; over it mentions are logged, not answered",
  },
  TWITTER_DM_ALERTS: {
    schema: z.enum(["true", "false"]).transform((v) => v === "true"),
    default: "false",
    doc: "Send alerts and other pushes to linked X users as X DMs",
  },
  LLM_PROVIDER: {
    schema: z.enum(["openai", "groq", "openrouter", "xai", "ollama", "custom"]),
    default: "openai",
    doc: "LLM profile: its base URL and default model (openai, groq, openrouter, xai, ollama, custom)",
  },
  LLM_BASE_URL: { schema: httpUrl.optional(), default: "", doc: "OpenAI-compatible API base URL (default: the profile's)" },
  LLM_API_KEY: { schema: optionalSecret, default: "", doc: "LLM API key; unset (and not ollama) = rule-based parser only" },
  LLM_MODEL: { schema: z.string().min(1).optional(), default: "", doc: "Model (default: the profile's)" },
  LLM_INTENT_MODEL: { schema: z.string().min(1).optional(), default: "", doc: "Model for turning text into commands (default LLM_MODEL)" },
  LLM_ANSWER_MODEL: { schema: z.string().min(1).optional(), default: "", doc: "Model for answering questions (default LLM_MODEL)" },
  LLM_FALLBACK_PROVIDER: {
    schema: z.enum(["openai", "groq", "openrouter", "xai", "ollama", "custom"]).optional(),
    default: "",
    doc: "Second provider tried when the first fails (then the rule parser)",
  },
  LLM_FALLBACK_BASE_URL: { schema: httpUrl.optional(), default: "", doc: "Fallback provider base URL (default: its profile's)" },
  LLM_FALLBACK_API_KEY: { schema: optionalSecret, default: "", doc: "Fallback provider API key" },
  LLM_FALLBACK_MODEL: { schema: z.string().min(1).optional(), default: "", doc: "Fallback provider model (default: its profile's)" },
  LLM_TIMEOUT_MS: { schema: int(500, 120_000), default: "15000", doc: "Per-call LLM timeout" },
  LLM_USER_DAILY_TOKENS: { schema: int(0, 1e9), default: "20000", doc: "Tokens one user may spend per UTC day" },
  LLM_GLOBAL_DAILY_TOKENS: { schema: int(0, 1e12), default: "1000000", doc: "Tokens everyone together may spend per UTC day" },
  LLM_MEMORY_TURNS: { schema: int(0, 50), default: "6", doc: "Turns of conversation remembered per user and platform identity (0 = none)" },
  LLM_MEMORY_TTL_S: {
    schema: int(60, 604_800),
    default: "3600",
    doc: "Conversation memory is forgotten this long after the last turn (kept in Redis when REDIS_URL is set, so every process shares it)",
  },
  LLM_PRICES: {
    schema: z
      .string()
      .default("{}")
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "must be JSON like {\"gpt-4o-mini\":[0.15,0.6]}" });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string(), z.tuple([z.number().min(0), z.number().min(0)]))),
    default: "",
    doc: "Extra USD prices per 1M tokens [prompt, completion] by model, as JSON",
  },
} as const;
