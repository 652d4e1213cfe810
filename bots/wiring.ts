import { instrumentOrders } from "../adapters/metrics/instrument.js";
import { Metrics } from "../adapters/metrics/metrics.js";
import { MemoryRateLimiterFactory } from "../adapters/ratelimit/rate-limiters.js";
import { RedisRateLimiterFactory } from "../adapters/ratelimit/redis-rate-limiters.js";
import { MemorySpacer, RedisSpacer } from "../adapters/ratelimit/spacer.js";
import { FallbackLeases, RedisLeases } from "../adapters/redis/redis-leases.js";
import type { createRegistry } from "../commands/index.js";
import { directChat, type PlatformAccount } from "../core/domain/identity.js";
import type { Clock } from "../core/ports/clock.port.js";
import type { Leases } from "../core/ports/kv.port.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { RateLimiterFactory, Spacer } from "../core/ports/rate-limit.port.js";
import type { ChainTokenReader, TokenInfoSource } from "../core/ports/token-safety.port.js";
import { IntentService } from "../core/router/llm-intent.js";
import { Router } from "../core/router/router.js";
import { AlertEngine } from "../core/services/alert-engine.service.js";
import { AutomationEngine } from "../core/services/automations/index.js";
import type { Services } from "./services.js";
import { llmContext } from "../core/services/llm-context.js";
import { Notifications } from "../core/services/notifications.service.js";
import { OutboxDispatcher } from "../core/services/outbox-dispatcher.service.js";
import { PortfolioSnapshots } from "../core/services/portfolio-snapshots.service.js";
import { RetentionService } from "../core/services/retention.service.js";
import type { TokenCardsPort } from "../core/ports/token-safety.port.js";
import { TokenCardService } from "../core/services/token-card.service.js";
import { RemoteError } from "../core/errors.js";
import { QuietHours } from "../core/services/quiet-hours.js";
import { SettingsService } from "../core/services/settings.service.js";
import type { TreasurySettings } from "../core/services/treasury/index.js";
import { createDatabase, migrate, repositories, type Db } from "../db/index.js";
import type { Config } from "./config.js";
import { buildLlm } from "./llm.js";
import { lazyAdapter } from "./lazy.js";
import { buildMarket, type MarketOverrides, type MarketParts } from "./market.js";
import { buildTrading, explorerTx, type TradingOverrides } from "./trading.js";
import { buildTreasury, treasuryMetricsObserver } from "./treasury.js";
import { TickWatch } from "./health.js";
import type { WithdrawalOverrides } from "./withdrawals.js";
import type { TwoFactorPort } from "../core/ports/two-factor.port.js";
import type { WithdrawAddressBook } from "../core/ports/withdrawals.port.js";

/** The parts buildApp (bots/app.ts) wires, each from config and the parts before it. */

export interface AppOptions {
  log: Logger;
  clock?: Clock;
  limiters?: RateLimiterFactory;
  /** Use an existing database (tests share one); otherwise DATABASE_URL is opened and migrated. */
  db?: Db;
  market?: MarketOverrides;
  trading?: TradingOverrides;
  /** Process metrics (CPU, memory, GC) in /metrics; on in the real process, off in tests. */
  processMetrics?: boolean;
  /** Treasury settings (normally parsed from TREASURY_CONFIG). */
  treasury?: TreasurySettings;
  /** The chain reader behind token cards' safety checks; null: none (also the default when `trading.chain` is null). */
  tokenSafety?: ChainTokenReader | null;
  /** Withdrawals' outside parts (issue 19): tests may pass the 2FA service, the chain check of addresses, the address book. */
  withdrawals?: WithdrawalOverrides;
}

/** The address book and 2FA a withdrawal needs (built by their own wiring; tests pass fakes). */
export interface WithdrawalParts {
  book: WithdrawAddressBook;
  twoFactor: TwoFactorPort;
}

/** The local operator of the terminal chat: always an admin of their own Purser. */
export const CONSOLE_USER = { id: "local", name: "operator" };
export const CONSOLE_OPERATOR: PlatformAccount = { platform: "console", id: CONSOLE_USER.id };

/** Database, Redis and what rides on them: repositories, rate limits, outbound spacing, leases. */
export async function buildStores(config: Config, opts: AppOptions, clock: Clock) {
  const log = opts.log;
  const db = opts.db ?? createDatabase(config.DATABASE_URL, { log: log.child({ component: "db" }) });
  const applied = await migrate(db.db, db.schema);
  if (applied.length) log.info({ applied, db: db.where }, "migrations applied");
  const repos = repositories(db, clock, log.child({ component: "db" }));
  const url = config.REDIS_URL;
  const client = url ? await import("../adapters/redis/client.js") : undefined; // ioredis only when Redis is configured
  const redis = client && url ? { main: client.createRedis(url, log, "main"), sub: client.createRedis(url, log, "sub", { subscriber: true }) } : undefined;
  if (client && redis && !(await client.redisReady(redis.main))) log.warn("redis not reachable at start-up: running degraded until it is");
  const limiters = opts.limiters ?? (redis ? new RedisRateLimiterFactory(redis.main, `${config.REDIS_PREFIX}rl:`) : new MemoryRateLimiterFactory());
  const spacer: Spacer = redis ? new RedisSpacer(redis.main, (err) => log.warn({ err }, "redis spacer unavailable: spacing per process"), `${config.REDIS_PREFIX}space:`) : new MemorySpacer();
  const leases: Leases = redis
    ? new FallbackLeases(new RedisLeases(redis.main, `${config.REDIS_PREFIX}lease:`), repos.leases, (err) => log.warn({ err }, "redis leases unavailable: using the database"))
    : repos.leases;
  return { db, repos, ...(redis ? { redis } : {}), limiters, spacer, leases };
}

export type Stores = Awaited<ReturnType<typeof buildStores>>;

/** The market, its metrics, and the watch on its ticks that /readyz reads. */
export function buildObservedMarket(config: Config, opts: AppOptions, clock: Clock, s: Stores, commands: string[]) {
  const log = opts.log;
  let marketNow: () => number = () => clock.now();
  const metrics = new Metrics({
    commands,
    sources: [...config.PRICE_SOURCES, "replay", "static"],
    now: () => marketNow(),
    defaultMetrics: opts.processMetrics ?? false,
  });
  const market = buildMarket(
    config,
    {
      clock,
      log,
      tokenCache: s.repos.tokens,
      ticks: s.repos.ticks,
      ...(s.redis ? { redis: s.redis } : {}),
      hooks: { onReject: (src, r) => metrics.priceRejected(src, r), onSourceError: (src) => metrics.priceSourceError(src) },
    },
    opts.market,
  );
  marketNow = () => market.market.now();
  const tickWatch = new TickWatch(market.market, () => clock.now());
  const unsubTicks = market.bus.subscribe((batch) => {
    tickWatch.onTicks(batch);
    for (const t of batch) metrics.priceSeen(t.source, t.at);
  });
  return { metrics, market, tickWatch, unsubTicks };
}

/** What every further part is wired from. */
export interface Wiring {
  config: Config;
  opts: AppOptions;
  clock: Clock;
  log: Logger;
  instance: string;
  stores: Stores;
  metrics: Metrics;
  market: MarketParts;
}

/** Pushes (fills, alerts) through the outbox, and the trading that emits them. */
export function buildPushes(w: Wiring) {
  const { config, clock, log, metrics, market } = w;
  const { repos } = w.stores;
  // Ticks labelled otherwise than the market's mode (replay while live, live while replaying) act on nothing.
  const priceMode = () => (market.market.isReplay ? ("replay" as const) : ("live" as const));
  // TWITTER_DM_ALERTS: a user's alerts and fills also reach their linked X account as DMs.
  const xDms = config.TWITTER_DM_ALERTS && Boolean(config.TWITTER_APP_KEY && config.TWITTER_APP_SECRET && config.TWITTER_ACCESS_TOKEN && config.TWITTER_ACCESS_SECRET);
  // Users' own settings (issue 18), under the operator's ceilings.
  const settings = new SettingsService({
    store: repos.userSettings,
    caps: { maxSlippageBps: config.MAX_SLIPPAGE_BPS, maxTradeUsd: config.MAX_TRADE_USD, maxPriorityFee: config.MAX_PRIORITY_FEE_LEVEL },
    clock,
    log: log.child({ component: "settings" }),
    held: repos.heldPushes,
  });
  const notifications = new Notifications({
    log,
    outbox: repos.outbox,
    clock,
    explorerTx: explorerTx(config),
    copyTo: xDms ? ["twitter"] : [],
    identities: (userId) => repos.users.identities(userId),
    pushPlatforms: async (userId) => (await settings.get(userId)).pushPlatforms,
  });
  const { tokenCards, chainChecked } = buildTokenCards(w);
  const trade = buildTrading(
    config,
    {
      repos: { ...repos, ...instrumentOrders({ orders: repos.orders, books: repos.books }, metrics, log) },
      market: market.market,
      tokens: market.tokens,
      audit: repos.audit,
      clock,
      log,
      notifications,
      // TOKEN_SAFETY: every preview judges the token received by the same (cached) report a card shows.
      ...(chainChecked ? { safety: { policy: config.TOKEN_SAFETY, report: (mint: string) => tokenCards.safety(mint) } } : {}),
      settings,
    },
    w.opts.trading,
  );
  const alerts = new AlertEngine({
    store: repos.alerts,
    bus: market.bus,
    clock,
    log: log.child({ component: "alerts" }),
    marketNow: () => market.market.now(),
    maxTickAgeMs: config.PRICE_MAX_AGE_S * 1000,
    mode: priceMode,
    maxDeviationPct: config.PRICE_MAX_DEVIATION_PCT,
    maxPerUser: config.MAX_ALERTS_PER_USER,
    portfolioValue: (userId) => trade.portfolio.value(userId),
    valueCheckMs: config.ALERT_VALUE_CHECK_S * 1000,
    onTickEvaluated: (us) => metrics.alertTickEvaluated(us),
    // Tokens of active alerts (built-in or not) are polled, so every alert gets its ticks.
    track: (tokens) => market.market.track(tokens),
    pushes: notifications,
    tokenOf: (mint) => market.tokens.resolve(mint),
  });
  metrics.watchAlerts(() => alerts.size);
  // Automations: the same price stream and good-price judge as alerts, executed through the trade path.
  const automations = new AutomationEngine({
    store: repos.automations,
    kv: repos.kv,
    bus: market.bus,
    trading: trade.trading,
    tokens: market.tokens,
    prices: market.market,
    clock,
    marketNow: () => market.market.now(),
    mode: priceMode,
    log: log.child({ component: "automations" }),
    pushes: notifications,
    track: (tokens) => market.market.track(tokens),
    settings: {
      maxPerUser: config.MAX_AUTOMATIONS_PER_USER,
      retries: config.AUTOMATION_RETRIES,
      retryMs: config.AUTOMATION_RETRY_S * 1000,
      leaseMs: config.AUTOMATION_LEASE_S * 1000,
      syncMs: config.AUTOMATION_SYNC_S * 1000,
      maxTickAgeMs: config.PRICE_MAX_AGE_S * 1000,
      maxDeviationPct: config.PRICE_MAX_DEVIATION_PCT,
    },
  });
  const outbox = new OutboxDispatcher({
    store: repos.outbox,
    notifications,
    clock,
    log: log.child({ component: "outbox" }),
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    leaseMs: config.OUTBOX_LEASE_S * 1000,
    onLatency: (ms, p) => metrics.outboxLatency(ms, p),
    onOutcome: (o, p) => metrics.outboxOutcome(o, p),
    admins: config.ADMIN_IDS.map(directChat),
    quiet: new QuietHours({ gate: settings, held: repos.heldPushes, log: log.child({ component: "quiet-hours" }) }),
  });
  return { notifications, trade, alerts, automations, outbox, tokenCards, settings };
}

export type Trade = ReturnType<typeof buildTrading>;

/** What token cards are built from (issue 18): the chain's safety facts over SOLANA_RPC_URL and Jupiter's token info. */
export interface TokenSources {
  /** Absent when there is no Solana connection (tests with `trading.chain: null`, unless they pass one). */
  tokenSafety?: ChainTokenReader;
  tokenInfo: TokenInfoSource;
}

export function buildTokenSources(w: Pick<Wiring, "config" | "opts" | "market">): TokenSources {
  const { config, opts } = w;
  const tokenSafety =
    opts.tokenSafety !== undefined
      ? opts.tokenSafety
      : opts.trading?.chain === null
        ? null
        : lazyAdapter<ChainTokenReader>(
            async () => new (await import("../adapters/solana/token-safety-reader.js")).SolanaTokenSafetyReader({ rpcUrl: config.SOLANA_RPC_URL }),
            { mintFacts: true, largestHolders: true, firstActivity: true, poolMints: true },
          );
  return { ...(tokenSafety ? { tokenSafety } : {}), tokenInfo: w.market.tokenInfo };
}

/** A chain reader for a process with no Solana connection: every check fails, so cards say "safety unchecked". */
const NO_CHAIN: ChainTokenReader = {
  mintFacts: () => Promise.reject(new RemoteError("solana", "no Solana connection", false)),
  largestHolders: () => Promise.reject(new RemoteError("solana", "no Solana connection", false)),
  firstActivity: () => Promise.reject(new RemoteError("solana", "no Solana connection", false)),
  poolMints: () => Promise.reject(new RemoteError("solana", "no Solana connection", false)),
};

/**
 * Token cards (issue 18) over the chain reader and Jupiter's token info. `chainChecked` is false only
 * with no Solana connection at all (tests): cards then show "safety unchecked" and trades are not held
 * to TOKEN_SAFETY (there is nothing to judge them by).
 */
export function buildTokenCards(w: Pick<Wiring, "config" | "opts" | "market" | "clock" | "log">): { tokenCards: TokenCardService; chainChecked: boolean } {
  const { config, market, clock, log } = w;
  const sources = buildTokenSources(w);
  if (!sources.tokenSafety) log.warn("no Solana connection: token cards show safety unchecked and TOKEN_SAFETY is not applied to trades");
  const tokenCards = new TokenCardService({
    tokens: market.tokens,
    market: market.market,
    chain: sources.tokenSafety ?? NO_CHAIN,
    info: sources.tokenInfo,
    clock,
    log: log.child({ component: "token-cards" }),
    timeoutMs: config.TOKEN_CARD_TIMEOUT_MS,
    cacheMs: config.TOKEN_CARD_CACHE_S * 1000,
  });
  return { tokenCards, chainChecked: sources.tokenSafety !== undefined };
}

export function buildIntent(w: Wiring, registry: ReturnType<typeof createRegistry>, trade: Trade, cards?: TokenCardsPort) {
  const { config, clock, log, metrics, market } = w;
  const { repos } = w.stores;
  const llm = buildLlm(config);
  return new IntentService({
    commands: () => registry.all(),
    intent: llm.intent,
    answer: llm.answer,
    usage: repos.llmUsage,
    audit: repos.audit,
    clock,
    log: log.child({ component: "llm" }),
    prices: llm.prices,
    userDailyTokens: config.LLM_USER_DAILY_TOKENS,
    globalDailyTokens: config.LLM_GLOBAL_DAILY_TOKENS,
    memoryTurns: config.LLM_MEMORY_TURNS,
    memory: market.cache,
    memoryTtlMs: config.LLM_MEMORY_TTL_S * 1000,
    context: async (userId, text) => llmContext(market.market, market.tokens, trade.portfolio, userId, text, cards),
    onUsage: (model, promptTokens, completionTokens, costUsd) => metrics.llmUsage({ model, promptTokens, completionTokens, costUsd }),
  });
}

/** Housekeeping on leases: old rows deleted, portfolio values recorded for /pnl. */
export function buildHousekeeping(w: Wiring, trade: Trade) {
  const { config, clock, log, instance, metrics } = w;
  const { repos, leases } = w.stores;
  // Old rows deleted in small batches by one process at a time (lease "retention").
  const retention = new RetentionService({
    store: repos.retention,
    leases,
    clock,
    log: log.child({ component: "retention" }),
    owner: `${instance}/retention`,
    intervalMs: config.RETENTION_INTERVAL_MIN * 60_000,
    policy: {
      auditDays: config.AUDIT_RETENTION_DAYS,
      outboxDays: config.OUTBOX_RETENTION_DAYS,
      llmUsageDays: config.LLM_USAGE_RETENTION_DAYS,
      priceTicksDays: config.PRICE_TICKS_RETENTION_DAYS,
      snapshotDays: config.PORTFOLIO_SNAPSHOT_RETENTION_DAYS,
    },
    onBatch: (b) => metrics.retentionDeleted(b.table, b.rows),
  });
  const snapshots = new PortfolioSnapshots({
    portfolio: trade.portfolio,
    leases,
    owner: `${instance}/snapshots`,
    everyMs: config.PORTFOLIO_SNAPSHOT_MIN * 60_000,
    log,
  });
  return { retention, snapshots };
}

export async function addTreasury(w: Wiring, services: Services, trade: Trade): Promise<void> {
  const { config, opts, clock, log, instance, metrics, market } = w;
  const { repos, leases } = w.stores;
  const treasurySettings = opts.treasury ?? (config.TREASURY_CONFIG ? await (await import("./treasury-file.js")).loadTreasurySettings(config.TREASURY_CONFIG, { repos, ...(trade.vault ? { vault: trade.vault } : {}), now: clock.now() }) : undefined);
  if (treasurySettings) {
    services.treasury = buildTreasury(treasurySettings, {
      repos,
      trading: trade.trading,
      market: market.market,
      tokens: market.tokens,
      ...(trade.chain ? { chain: trade.chain } : {}),
      leases,
      audit: repos.audit,
      clock,
      log,
      charts: market.charts,
      identity: services.identity,
      actions: services.actions,
      admins: config.ADMIN_IDS.length ? config.ADMIN_IDS : [CONSOLE_OPERATOR],
      leaseTtlMs: config.LEASE_TTL_S * 1000,
      leaseOwner: `${instance}/treasury`,
      onState: treasuryMetricsObserver(metrics),
    });
  }
}

export function buildRouter(w: Wiring, registry: ReturnType<typeof createRegistry>, services: Services, intent: IntentService): Router {
  const { config, clock, log, metrics } = w;
  const { repos, limiters } = w.stores;
  return new Router({
    registry,
    intent: {
      resolve: (ctx) =>
        intent.resolve({
          userId: ctx.resolved.user.id,
          identity: `${ctx.msg.platform}:${ctx.msg.sender.id}`,
          platform: ctx.msg.platform,
          text: ctx.text,
        }),
    },
    services,
    updates: repos.updates,
    limiters,
    log,
    clock,
    userRatePerMin: config.USER_RATE_LIMIT_PER_MIN,
    onDone: (ctx) => metrics.routerDone(ctx, ctx.finishedAt ?? clock.now()),
  });
}
