import { z } from "zod";
import { httpUrl, int, optionalSecret, url } from "./config-schema.js";

/** Settings of trading, tokens, withdrawals, automations, retention, prices and the treasury: part of SETTINGS (bots/config.ts), in its order. */
export const TRADING_SETTINGS = {
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
