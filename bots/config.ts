import { existsSync, readFileSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import { z } from "zod";
import { PLATFORMS, type PlatformAccount, type Platform } from "../core/domain/identity.js";
import { secretsIn } from "./config-secrets.js";
const url = (protocols: RegExp, what: string) =>
  z
    .string()
    .regex(protocols, `must be a ${what} URL`)
    .transform((s) => s.replace(/\/+$/, ""));
const httpUrl = url(/^https?:\/\/[^\s]+$/i, "http(s)");
const optionalSecret = z.string().min(1).optional();
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Every setting, its default and a one-line meaning. `.env.example` and the README list exactly these. */
export const SETTINGS = {
  DATABASE_URL: {
    schema: z.string().regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/i, "must be sqlite:<file> or postgres://..."),
    default: "sqlite:./data/purser.db",
    doc: "Database: sqlite:<file> (default, created on first start) or postgres://user@host/db",
  },
  REDIS_URL: {
    schema: url(/^rediss?:\/\/\S+$/i, "redis://").optional(),
    default: "",
    doc: "Redis for shared cache, rate limits, pub/sub and leases; unset = in-process",
  },
  REDIS_PREFIX: {
    schema: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, "must be 1-64 characters of A-Z, a-z, 0-9, :, _, . and -"),
    default: "purser:",
    doc: "Namespace of every Redis key and channel: give each deployment sharing one Redis its own",
  },
  LOG_LEVEL: {
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    default: "info",
    doc: "pino log level",
  },
  LOG_FILE: {
    schema: z.string().min(1).optional(),
    default: "",
    doc: "Write logs to this file instead of stderr (the terminal chat defaults to ./data/purser.log)",
  },
  PURSER_ROLE: {
    schema: z.enum(["all", "web", "worker"]),
    default: "all",
    doc: "all (one process does everything), web (intake and commands only) or worker (pollers, alerts, outbox, treasury)",
  },
  HTTP_PORT: { schema: int(0, 65535), default: "8080", doc: "Port for webhooks, health and metrics" },
  WEB: {
    schema: z.enum(["on", "off"]),
    default: "on",
    doc: "Web dashboard and REST API under /web and /api/v1 on HTTP_PORT (on also starts the HTTP server in terminal mode)",
  },
  WEB_BASE_URL: {
    schema: httpUrl.optional(),
    default: "",
    doc: "Public origin of the dashboard, used in sign-in links and the Origin check; unset = http://127.0.0.1:<HTTP_PORT>",
  },
  WEB_SESSION_DAYS: { schema: int(1, 365), default: "7", doc: "Days a dashboard session (cookie) lasts after sign-in" },
  API_TOKEN_RATE_PER_MIN: { schema: int(1, 100_000), default: "120", doc: "Requests one API token may make per minute (over it: 429)" },
  PLATFORM_CONNECT_TIMEOUT_S: {
    schema: int(1, 300),
    default: "15",
    doc: "Seconds one connection attempt to a chat platform may take at start-up (Telegram getMe, Discord gateway or REST, X credentials); failed attempts are retried with back-off up to 60 s apart",
  },
  TRADING_MODE: {
    schema: z.enum(["paper", "live"]),
    default: "paper",
    doc: "paper (simulated fills, the default) or live (real swaps on Solana)",
  },
  ADMIN_IDS: {
    schema: z
      .string()
      .default("")
      .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
      .pipe(
        z.array(
          z
            .string()
            .regex(new RegExp(`^(${PLATFORMS.join("|")}):[A-Za-z0-9_.@-]{1,64}$`), "each entry must look like telegram:123")
            .transform((k): PlatformAccount => ({ platform: k.slice(0, k.indexOf(":")) as Platform, id: k.slice(k.indexOf(":") + 1) })),
        ),
      ),
    default: "",
    doc: "Admins as platform:id, comma-separated (e.g. telegram:123,discord:456); /whoami shows each of your ids in this form",
  },
  MASTER_KEY: {
    schema: z.string().min(32, "must be at least 32 characters").optional(),
    default: "",
    doc: "Secret that encrypts custodial wallet keys at rest (32+ characters); required for /wallet new",
  },
  USER_RATE_LIMIT_PER_MIN: { schema: int(1, 100_000), default: "30", doc: "Messages one user may send per minute" },
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
  JUPITER_API_ROOT: { schema: httpUrl, default: "https://lite-api.jup.ag", doc: "Jupiter API root (swap, price, tokens)" },
  JUPITER_API_KEY: { schema: optionalSecret, default: "", doc: "Jupiter API key (sent as x-api-key)" },
  SOLANA_RPC_URL: { schema: httpUrl, default: "https://api.mainnet-beta.solana.com", doc: "Solana JSON-RPC endpoint" },
  SOLANA_WS_URL: {
    schema: url(/^wss?:\/\/\S+$/i, "ws(s)://").optional(),
    default: "",
    doc: "Solana websocket endpoint (default: derived from SOLANA_RPC_URL)",
  },
  PAPER_START_USDC: { schema: z.coerce.number().positive().max(1e9), default: "1000", doc: "USDC every new paper account starts with" },
  MAX_TRADE_USD: { schema: z.coerce.number().positive(), default: "1000", doc: "Largest single trade, in USD" },
  DAILY_TRADE_CAP_USD: { schema: z.coerce.number().positive(), default: "5000", doc: "Most a user may trade per UTC day, in USD" },
  DEFAULT_SLIPPAGE_BPS: { schema: int(1, 5000), default: "50", doc: "Slippage asked of Jupiter (basis points)" },
  MAX_SLIPPAGE_BPS: { schema: int(1, 5000), default: "100", doc: "Largest slippage accepted (basis points)" },
  MAX_PRIORITY_FEE_LEVEL: {
    schema: z.enum(["none", "low", "medium", "high"]),
    default: "high",
    doc: "Highest priority-fee level a user may choose in /settings for live swaps (none: no priority fee)",
  },
  PRIORITY_FEE_MAX_LAMPORTS: {
    schema: int(0, 100_000_000),
    default: "1000000",
    doc: "Most lamports a live swap's priority fee may cost at the high level (low: a quarter, medium: half; 0: none)",
  },
  MAX_PRICE_IMPACT_PCT: { schema: z.coerce.number().positive().max(100), default: "2", doc: "Largest price impact accepted (%)" },
  QUOTE_TTL_S: { schema: int(5, 600), default: "30", doc: "A preview's quote is valid this long; later Confirms ask for a fresh one" },
  TRADE_TAKEOVER_S: {
    schema: int(5, 3600),
    default: "120",
    doc:
      "After a crash: a confirmed trade still unsigned this long after Confirm is closed as failed (nothing was sent), " +
      "and a finished trade whose outcome the user was not told this long after it ended is pushed to them",
  },
  TOKEN_ALLOWLIST: {
    schema: z.string().default("").transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
    default: "",
    doc: "Only these tokens (symbols or mints, comma-separated) may be traded; empty = any verified token",
  },
  TOKEN_DENYLIST: {
    schema: z.string().default("").transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
    default: "",
    doc: "These tokens (symbols or mints) may never be traded",
  },
  TOKEN_SAFETY: {
    schema: z.enum(["warn", "block"]),
    default: "warn",
    doc:
      "What a red safety flag on the token a trade would give you does (mint or freeze authority, permanent delegate, top 10 holders over 50%, a transfer fee over 10%, " +
      "non-transferable, accounts frozen by default, under an hour old): warn = the preview shows the flags and Confirm needs an extra \"I understand the risks\"; " +
      "block = refused. A check that cannot run is \"safety unchecked\": warn needs the same acknowledgement, block refuses. Built-in and allowlisted tokens are not checked",
  },
  TOKEN_CARD_CACHE_S: { schema: int(0, 3600), default: "60", doc: "A token's safety report and market info are reused this long (per mint) by cards and trade previews" },
  TOKEN_CARD_TIMEOUT_MS: {
    schema: int(200, 10_000),
    default: "1500",
    doc: "Each source of a token card (chain checks, Jupiter token info, price) gets this long; a card is shown without (and labelled) what did not answer in time",
  },
  EXPLORER_TX_URL: {
    schema: z.string().regex(/^https?:\/\/\S*\{sig\}\S*$/, "must be an http(s) URL containing {sig}"),
    default: "https://solscan.io/tx/{sig}",
    doc: "Block explorer link for a transaction ({sig} is replaced)",
  },
  WITHDRAW_ADDRESS_DELAY_H: {
    schema: int(1, 720),
    default: "24",
    doc: "A withdrawal address added with /withdraw add becomes usable this many hours later (announced at once on every linked platform, with a \"This wasn't me\" that freezes withdrawals)",
  },
  WITHDRAWALS: {
    schema: z.enum(["off", "on"]),
    default: "off",
    doc:
      "Withdrawals to a user's matured address-book addresses, each confirmed with a 2FA code (/withdraw 1.5 SOL to cold). " +
      "Off by default in both modes; in paper mode they are simulated (the paper book is debited, no chain is touched)",
  },
  WITHDRAW_DAILY_CAP_USD: {
    schema: z.coerce.number().positive(),
    default: "1000",
    doc: "Most a user may withdraw per UTC day, in USD (judged atomically at Confirm, separate from DAILY_TRADE_CAP_USD)",
  },
  WALLET_EXPORT_DELETE_S: { schema: int(10, 3600), default: "60", doc: "An exported wallet key message is deleted after this many seconds" },
  MAX_ALERTS_PER_USER: { schema: int(1, 10_000), default: "50", doc: "Active alerts one user may have" },
  MAX_AUTOMATIONS_PER_USER: { schema: int(1, 1000), default: "20", doc: "Active automations (armed or paused: limit, stop, take-profit, trailing, DCA) one user may have" },
  AUTOMATION_RETRIES: {
    schema: int(0, 20),
    default: "3",
    doc: "A firing whose execution fails for a reason that may pass (no quote, no price, slippage or impact over the cap) is retried this many times before the automation is marked failed",
  },
  AUTOMATION_RETRY_S: { schema: int(1, 86_400), default: "30", doc: "Wait before an automation's first retry, doubling each time (market clock: replayed in replay mode)" },
  AUTOMATION_LEASE_S: {
    schema: int(5, 600),
    default: "30",
    doc: "A worker's claim on a firing lasts this long: a firing held by a process that died is taken over by another (or the restarted one) after it",
  },
  AUTOMATION_SYNC_S: { schema: int(1, 60), default: "2", doc: "How often the automation engine picks up automations created, paused or cancelled by other processes" },
  OUTBOX_MAX_ATTEMPTS: { schema: int(1, 100), default: "8", doc: "Delivery attempts before a push is dead-lettered (admins are told)" },
  OUTBOX_LEASE_S: {
    schema: int(1, 600),
    default: "20",
    doc: "A dispatcher's claim on a push lasts this long, renewed every third of it while the send runs: a push held by a process that died is taken over by another (or the restarted one) within it",
  },
  PORTFOLIO_SNAPSHOT_MIN: {
    schema: int(5, 1440),
    default: "60",
    doc: "How often every user's portfolio value is recorded for /pnl's value-over-time chart (one process does it, by lease)",
  },
  ALERT_VALUE_CHECK_S: { schema: int(5, 86_400), default: "60", doc: "How often portfolio-value alerts are evaluated" },
  RETENTION_INTERVAL_MIN: {
    schema: int(1, 1440),
    default: "60",
    doc: "How often old rows are deleted (one process does it, by lease, in batches of at most 1,000 rows); handled updates are kept 2 days, expired buttons and spent link codes 1 day",
  },
  AUDIT_RETENTION_DAYS: { schema: int(1, 36_500), default: "90", doc: "Audit log entries older than this are deleted" },
  OUTBOX_RETENTION_DAYS: {
    schema: int(1, 3650),
    default: "7",
    doc: "Delivered, skipped and dead pushes older than this leave the outbox (pending ones never do)",
  },
  LLM_USAGE_RETENTION_DAYS: { schema: int(1, 36_500), default: "90", doc: "LLM usage records (tokens, cost) older than this are deleted" },
  PRICE_TICKS_RETENTION_DAYS: {
    schema: int(31, 36_500),
    default: "90",
    doc: "Recorded prices (chart history of last resort) are thinned to one per hour after a day and one per day after 30 days, and dropped after this",
  },
  PORTFOLIO_SNAPSHOT_RETENTION_DAYS: {
    schema: int(31, 36_500),
    default: "365",
    doc: "Portfolio value snapshots (/pnl's chart) are thinned to one per hour after a day and one per day after 30 days, and dropped after this",
  },
  LEASE_TTL_S: { schema: int(2, 3600), default: "60", doc: "Singleton leases (treasury loop, X poller) expire this long after their holder stops renewing" },
  MARKET_SOURCE: {
    schema: z.enum(["auto", "live", "replay"]),
    default: "auto",
    doc: "auto (live, falling back to replay loudly), live, or replay (bundled real history)",
  },
  PRICE_SOURCES: {
    schema: z
      .string()
      .transform((s) => s.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.enum(["jupiter", "pyth"])).min(1, "name at least one of jupiter, pyth")),
    default: "jupiter,pyth",
    doc: "Live price sources in the order they are asked (jupiter, pyth)",
  },
  PYTH_HERMES_URL: { schema: httpUrl, default: "https://hermes.pyth.network", doc: "Pyth Hermes endpoint (latest prices)" },
  PYTH_BENCHMARKS_URL: {
    schema: httpUrl,
    default: "https://benchmarks.pyth.network",
    doc: "Pyth Benchmarks endpoint (chart history, TradingView shim)",
  },
  PRICE_MAX_AGE_S: { schema: int(1, 86_400), default: "120", doc: "A price older than this is rejected, never shown as current" },
  PRICE_MAX_DEVIATION_PCT: {
    schema: z.coerce.number().positive().max(100),
    default: "5",
    doc: "A price further than this % from another source's is rejected",
  },
  PRICE_POLL_MS: { schema: int(250, 3_600_000), default: "10000", doc: "How often tracked tokens are polled for the price stream" },
  PRICE_CACHE_TTL_MS: { schema: int(0, 600_000), default: "3000", doc: "How long a fetched price is served from cache" },
  PRICE_TIMEOUT_MS: { schema: int(100, 60_000), default: "3000", doc: "Per-request timeout for price sources" },
  REPLAY_DATA_DIR: { schema: z.string().min(1), default: "./data/replay", doc: "Directory of hourly CSV candles for replay and backtests" },
  REPLAY_START: {
    schema: z
      .string()
      .refine((s) => Number.isFinite(Date.parse(s)), "must be a date such as 2025-01-01T00:00:00Z")
      .transform((s) => Date.parse(s)),
    default: "2025-03-01T00:00:00Z",
    doc: "Historical time where replay starts (data covers 2025-01-01 to 2025-06-18; it wraps)",
  },
  REPLAY_SPEED: {
    schema: z.coerce.number().positive().max(1_000_000),
    default: "1",
    doc: "Replay speed: historical seconds per real second (3600 = an hour a second)",
  },
  TREASURY_CONFIG: { schema: z.string().min(1).optional(), default: "", doc: "Path to the treasury bot's YAML/JSON config" },
} as const;

type Settings = typeof SETTINGS;
export type Config = Readonly<{ [K in keyof Settings]: z.output<Settings[K]["schema"]> }>;
export type SettingName = keyof Settings;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join("\n")}`);
  }
}

/** Reads `.env` (if present) under the real environment; the environment wins. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, envFile = ".env"): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  return { ...fromFile, ...env };
}

/** Parses once; an invalid setting throws ConfigError with one line per problem, naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, s] of Object.entries(SETTINGS) as Array<[SettingName, Settings[SettingName]]>) {
    const raw = env[name]?.trim();
    const value = raw === undefined || raw === "" ? (s.default === "" ? undefined : s.default) : raw;
    const r = (s.schema as z.ZodType).safeParse(value);
    if (r.success) out[name] = r.data;
    else problems.push(`${name}: ${r.error.issues.map((i) => i.message).join("; ")}`);
  }
  const c = out as Config;
  if (!problems.length) {
    if (!!c.DISCORD_TOKEN !== !!c.DISCORD_APPLICATION_ID) {
      problems.push(`${c.DISCORD_TOKEN ? "DISCORD_APPLICATION_ID" : "DISCORD_TOKEN"}: required with the other Discord setting`);
    }
    if (c.DISCORD_INTERACTIONS_PATH && !c.DISCORD_PUBLIC_KEY) {
      problems.push("DISCORD_PUBLIC_KEY: required when DISCORD_INTERACTIONS_PATH is set");
    }
    if (c.TELEGRAM_WEBHOOK_URL && !c.TELEGRAM_WEBHOOK_SECRET) {
      problems.push("TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set");
    }
    const tw = ["TWITTER_APP_KEY", "TWITTER_APP_SECRET", "TWITTER_ACCESS_TOKEN", "TWITTER_ACCESS_SECRET"] as const;
    const set = tw.filter((k) => c[k]);
    if (set.length && set.length < tw.length) {
      for (const k of tw.filter((k) => !c[k])) problems.push(`${k}: required when the other X (Twitter) keys are set`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  // Frozen all the way down: a list setting (ADMIN_IDS, PRICE_SOURCES...) cannot be changed either.
  return deepFreeze(out) as Config;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object") for (const x of Object.values(v)) deepFreeze(x);
  return Object.freeze(v);
}

const SECRET_SETTINGS: SettingName[] = [
  "MASTER_KEY",
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_WEBHOOK_SECRET",
  "DISCORD_TOKEN",
  "TWITTER_APP_KEY",
  "TWITTER_APP_SECRET",
  "TWITTER_ACCESS_TOKEN",
  "TWITTER_ACCESS_SECRET",
  "LLM_API_KEY",
  "LLM_FALLBACK_API_KEY",
  "JUPITER_API_KEY",
];

/**
 * Values that must never leave the process (logs, stderr, replies): every set setting whose name says
 * it is a secret, and credentials embedded in URL settings (postgres://user:pass@..., RPC `?api-key=`).
 * Takes the parsed Config or, before it parses (a start-up error), the raw environment.
 */
export function secretValues(source: Readonly<Record<string, unknown>>): string[] {
  return secretsIn(source, SECRET_SETTINGS, (Object.keys(SETTINGS) as SettingName[]).filter((n) => /_(URL|ROOT)$/.test(n)));
}
