import { existsSync, readFileSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import { z } from "zod";
import { PLATFORMS, type PlatformAccount, type Platform } from "../core/domain/identity.js";
import { secretsIn } from "./config-secrets.js";
import { httpUrl, int, url } from "./config-schema.js";
import { PLATFORM_SETTINGS } from "./settings-platforms.js";
import { TRADING_SETTINGS } from "./settings-trading.js";

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
  ...PLATFORM_SETTINGS,
  ...TRADING_SETTINGS,
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
