import { hostname } from "node:os";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { MemoryRateLimiterFactory } from "../adapters/ratelimit/rate-limiters.js";
import { createRedis, redisReady } from "../adapters/redis/client.js";
import { FallbackLeases, RedisLeases } from "../adapters/redis/redis-leases.js";
import { RedisRateLimiterFactory } from "../adapters/ratelimit/redis-rate-limiters.js";
import type { Redis } from "ioredis";
import type { Leases } from "../core/ports/kv.port.js";
import type { Spacer } from "../core/ports/rate-limit.port.js";
import { MemorySpacer, RedisSpacer } from "../adapters/ratelimit/spacer.js";
import { createRegistry } from "../commands/index.js";
import { identityKey } from "../core/domain/identity.js";
import type { Clock } from "../core/ports/clock.port.js";
import { systemClock } from "../core/ports/clock.port.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { RateLimiterFactory } from "../core/ports/rate-limit.port.js";
import { Router } from "../core/router/router.js";
import { ActionService } from "../core/services/actions.service.js";
import { IdentityService } from "../core/services/identity.service.js";
import type { Services } from "./services.js";
import { createDatabase, migrate, repositories, type Db, type Repositories } from "../db/index.js";
import type { Config } from "./config.js";
import { buildMarket, type MarketOverrides, type MarketParts } from "./market.js";
import { buildTrading, type TradingOverrides } from "./trading.js";
import { buildTreasury, treasuryMetricsObserver } from "./treasury.js";
import { loadTreasurySettings } from "./treasury-file.js";
import type { TreasurySettings } from "../core/services/treasury.service.js";
import { buildLlm } from "./llm.js";
import { IntentService } from "../core/router/llm-intent.js";
import { llmContext } from "../core/services/llm-context.js";
import { Notifications } from "../core/services/notifications.service.js";
import { Metrics } from "../adapters/metrics/metrics.js";
import { instrumentOrders } from "../adapters/metrics/instrument.js";
import { standardProbes, TickWatch, type ReadinessProbe } from "./health.js";
import { AlertEngine } from "../core/services/alert-engine.service.js";
import { OutboxDispatcher } from "../core/services/outbox-dispatcher.service.js";
import { RetentionService } from "../core/services/retention.service.js";
import type { Platform } from "../core/domain/identity.js";

export const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

/** The local operator of the terminal chat: always an admin of their own Purser. */
export const CONSOLE_USER = { id: "local", name: "operator" };

export interface App {
  /** This process among its peers (host:pid:random); the owner named on its leases. */
  instance: string;
  config: Config;
  db: Db;
  repos: Repositories;
  services: Services;
  router: Router;
  log: Logger;
  clock: Clock;
  market: MarketParts;
  metrics: Metrics;
  /** Outbound spacing shared by every process (Redis) or this one. */
  spacer: Spacer;
  /** /readyz checks: database, Redis when configured, prices. */
  readiness: ReadinessProbe[];
  /** Singleton leases: Redis when configured (database when Redis is down), else the database. */
  leases: Leases;
  redis?: { main: Redis; sub: Redis };
  /** Start-up work that talks to the outside: market probe (auto), safety checks, price polling. */
  start(opts?: { poll?: boolean; probeDeadlineMs?: number }): Promise<void>;
  close(): Promise<void>;
}

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
}

/** Composition root: wires repositories, services and the router from config. */
export async function buildApp(config: Config, opts: AppOptions): Promise<App> {
  const clock = opts.clock ?? systemClock;
  // This process among its peers: the owner named on every lease it holds (host:pid:random).
  const instance = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const log = opts.log;
  const db = opts.db ?? createDatabase(config.DATABASE_URL, { log: log.child({ component: "db" }) });
  const applied = await migrate(db.db, db.schema);
  if (applied.length) log.info({ applied, db: db.where }, "migrations applied");
  const repos = repositories(db, clock);
  const redis = config.REDIS_URL
    ? { main: createRedis(config.REDIS_URL, log, "main"), sub: createRedis(config.REDIS_URL, log, "sub", { subscriber: true }) }
    : undefined;
  if (redis && !(await redisReady(redis.main))) log.warn("redis not reachable at start-up: running degraded until it is");
  const limiters = opts.limiters ?? (redis ? new RedisRateLimiterFactory(redis.main, `${config.REDIS_PREFIX}rl:`) : new MemoryRateLimiterFactory());
  const spacer: Spacer = redis ? new RedisSpacer(redis.main, (err) => log.warn({ err }, "redis spacer unavailable: spacing per process"), `${config.REDIS_PREFIX}space:`) : new MemorySpacer();
  const leases: Leases = redis
    ? new FallbackLeases(new RedisLeases(redis.main, `${config.REDIS_PREFIX}lease:`), repos.leases, (err) => log.warn({ err }, "redis leases unavailable: using the database"))
    : repos.leases;
  const adminKeys = new Set([...config.ADMIN_IDS, identityKey("console", CONSOLE_USER.id)]);
  const registry = createRegistry();
  let marketNow: () => number = () => clock.now();
  const metrics = new Metrics({
    commands: registry.all().map((c) => c.name),
    sources: [...config.PRICE_SOURCES, "replay", "static"],
    now: () => marketNow(),
    defaultMetrics: opts.processMetrics ?? false,
  });
  const market = buildMarket(
    config,
    {
      clock,
      log,
      tokenCache: repos.tokens,
      ticks: repos.ticks,
      ...(redis ? { redis } : {}),
      hooks: { onReject: (s, r) => metrics.priceRejected(s, r), onSourceError: (s) => metrics.priceSourceError(s) },
    },
    opts.market,
  );
  marketNow = () => market.market.now();
  const tickWatch = new TickWatch(market.market, () => clock.now());
  const unsubTicks = market.bus.subscribe((batch) => {
    tickWatch.onTicks(batch);
    for (const t of batch) metrics.priceSeen(t.source, t.at);
  });
  const notifications = new Notifications(log);
  // TWITTER_DM_ALERTS: a user's alerts and fills also reach their linked X account as DMs.
  const xDms = config.TWITTER_DM_ALERTS && Boolean(config.TWITTER_APP_KEY && config.TWITTER_APP_SECRET && config.TWITTER_ACCESS_TOKEN && config.TWITTER_ACCESS_SECRET);
  const copiesTo = xDms
    ? async (userId: string, primary: { platform: Platform; chatId: string }) => {
        if (primary.platform === "twitter") return [];
        const x = (await repos.users.identities(userId)).find((i) => i.platform === "twitter");
        return x ? [{ platform: "twitter" as const, chatId: x.platformUserId }] : [];
      }
    : undefined;
  const trade = buildTrading(
    config,
    {
      repos: { ...repos, ...instrumentOrders({ orders: repos.orders, books: repos.books }, metrics, log) },
      market: market.market,
      tokens: market.tokens,
      audit: repos.audit,
      clock,
      log,
      ...(copiesTo ? { copiesTo } : {}),
    },
    opts.trading,
  );
  const alerts = new AlertEngine({
    store: repos.alerts,
    bus: market.bus,
    clock,
    log: log.child({ component: "alerts" }),
    marketNow: () => market.market.now(),
    maxTickAgeMs: config.PRICE_MAX_AGE_S * 1000,
    maxPerUser: config.MAX_ALERTS_PER_USER,
    portfolioValue: (userId) => trade.portfolio.value(userId),
    valueCheckMs: config.ALERT_VALUE_CHECK_S * 1000,
    onTickEvaluated: (us) => metrics.alertTickEvaluated(us),
    // Tokens of active alerts (built-in or not) are polled, so every alert gets its ticks.
    track: (tokens) => market.market.track(tokens),
    ...(copiesTo ? { copiesTo } : {}),
    tokenOf: (mint) => market.tokens.resolve(mint),
  });
  metrics.watchAlerts(() => alerts.size);
  const outbox = new OutboxDispatcher({
    store: repos.outbox,
    notifications,
    clock,
    log: log.child({ component: "outbox" }),
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    leaseMs: config.OUTBOX_LEASE_S * 1000,
    onLatency: (ms, p) => metrics.outboxLatency(ms, p),
    onOutcome: (o, p) => metrics.outboxOutcome(o, p),
    admins: config.ADMIN_IDS.map((k) => {
      const [platform, id] = k.split(":") as [Platform, string];
      return { platform, chatId: platform === "console" ? "console" : id };
    }),
  });
  const llm = buildLlm(config);
  const intent = new IntentService({
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
    context: async (userId, text) => llmContext(market.market, market.tokens, trade.portfolio, userId, text),
    onUsage: (model, promptTokens, completionTokens, costUsd) => metrics.llmUsage({ model, promptTokens, completionTokens, costUsd }),
  });
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
  let stopOutboxPoll: (() => void) | undefined;
  let snapshotTimer: ReturnType<typeof setInterval> | undefined;
  const pollerOwner = `${instance}/price`;
  const services: Services = {
    identity: new IdentityService({ users: repos.users, linkCodes: repos.linkCodes, audit: repos.audit, clock, limiters, adminKeys }),
    actions: new ActionService({ store: repos.actionTokens, clock }),
    audit: repos.audit,
    tokens: market.tokens,
    market: market.market,
    charts: market.charts,
    trading: trade.trading,
    portfolio: trade.portfolio,
    wallets: trade.wallets,
    notifications,
    alerts,
    outbox,
    assistant: intent,
    clock,
    info: {
      tradingMode: config.TRADING_MODE,
      version: VERSION,
      explorerTx: trade.explorer,
      walletExportDeleteS: config.WALLET_EXPORT_DELETE_S,
    },
  };
  const treasurySettings = opts.treasury ?? (config.TREASURY_CONFIG ? await loadTreasurySettings(config.TREASURY_CONFIG, { repos, ...(trade.vault ? { vault: trade.vault } : {}), now: clock.now() }) : undefined);
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
      admins: [...config.ADMIN_IDS, ...(config.ADMIN_IDS.length ? [] : ["console:local"])],
      leaseTtlMs: config.LEASE_TTL_S * 1000,
      leaseOwner: `${instance}/treasury`,
      onState: treasuryMetricsObserver(metrics),
    });
  }
  const router = new Router({
    registry,
    intent: {
      resolve: (ctx) =>
        intent.resolve({
          userId: ctx.resolved!.user.id,
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
    onDone: (ctx) => metrics.routerDone(ctx, clock.now()),
  });
  return {
    instance,
    config,
    db,
    repos,
    services,
    router,
    log,
    clock,
    market,
    leases,
    metrics,
    spacer,
    readiness: standardProbes({
      db,
      ...(redis ? { redis: redis.main } : {}),
      market: tickWatch,
      maxTickAgeMs: config.PRICE_MAX_AGE_S * 1000,
      // The webhook tier answers most commands without a live feed: stale prices degrade it, they
      // do not take it out of the load balancer. Workers (alerts, treasury) need prices to be ready.
      pricesCritical: config.PURSER_ROLE !== "web",
      now: () => clock.now(),
    }),
    ...(redis ? { redis } : {}),
    async start(o = {}) {
      const m = market.market;
      if (config.MARKET_SOURCE === "auto") {
        const sol = market.tokens.builtin("SOL")!;
        const { reachable } = await m.probe(sol, o.probeDeadlineMs ?? Math.max(2000, config.PRICE_TIMEOUT_MS * 2));
        if (!reachable.length) m.useReplay("no live price source answered at start-up");
        else log.info({ reachable }, "live price sources reachable");
      }
      if (config.TRADING_MODE === "live" && m.isReplay) {
        throw new Error("TRADING_MODE=live refuses to run on replayed prices: fix the price sources or set MARKET_SOURCE=live");
      }
      m.track(market.tokens.builtins());
      // The web tier only takes updates; background work runs on workers (or everywhere with role "all").
      const background = o.poll !== false && config.PURSER_ROLE !== "web";
      if (background) m.startPolling(config.PRICE_POLL_MS, () => leases.acquire("price-poller", pollerOwner, Math.max(config.PRICE_POLL_MS * 3, 5000)));
      if (config.PURSER_ROLE !== "web") await alerts.start();
      if (background) {
        outbox.start();
        stopOutboxPoll = metrics.pollOutbox((n) => repos.outbox.stats(n), { now: () => clock.now(), onError: (err) => log.warn({ err }, "outbox stats failed") });
      }
      const settled = await trade.trading.reconcile();
      if (settled.length) log.info({ orders: settled.map((x) => `${x.id}:${x.status}`) }, "reconciled orders left in flight");
      if (background) trade.trading.startTracker();
      if (background) services.treasury?.start();
      if (background) retention.start();
      if (background) {
        // /pnl's value over time: every portfolio valued on a schedule, by one process (lease).
        const everyMs = config.PORTFOLIO_SNAPSHOT_MIN * 60_000;
        snapshotTimer = setInterval(() => {
          void (async () => {
            if (!(await leases.acquire("portfolio-snapshots", `${instance}/snapshots`, everyMs / 2))) return;
            const n = await trade.portfolio.snapshotAll();
            log.info({ users: n }, "portfolio snapshots recorded");
          })().catch((err: unknown) => log.warn({ err }, "portfolio snapshots failed"));
        }, everyMs);
        snapshotTimer.unref?.();
      }
    },
    async close() {
      stopOutboxPoll?.();
      if (snapshotTimer) clearInterval(snapshotTimer);
      unsubTicks();
      await market.market.stop();
      // Hand the price poller over at once instead of after its lease runs out.
      await leases.release("price-poller", pollerOwner).catch(() => undefined);
      await trade.trading.stop();
      await services.treasury?.stop();
      await alerts.stop();
      await outbox.stop();
      await retention.stop();
      await router.idle();
      if (redis) await Promise.all([redis.main.quit().catch(() => undefined), redis.sub.quit().catch(() => undefined)]);
      if (!opts.db) await db.close();
    },
  };
}
