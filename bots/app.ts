import { hostname } from "node:os";
import { existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { RedisUserEvents } from "../adapters/redis/redis-user-events.js";
import type { Redis } from "ioredis";
import type { Metrics } from "../adapters/metrics/metrics.js";
import { createRegistry } from "../commands/index.js";
import { identityKey } from "../core/domain/identity.js";
import type { Clock } from "../core/ports/clock.port.js";
import { systemClock } from "../core/ports/clock.port.js";
import type { Leases } from "../core/ports/kv.port.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { Spacer } from "../core/ports/rate-limit.port.js";
import type { Router } from "../core/router/router.js";
import { ActionService } from "../core/services/actions.service.js";
import type { AlertEngine } from "../core/services/alert-engine.service.js";
import type { AutomationEngine } from "../core/services/automations/index.js";
import { buildIdentity } from "./identity.js";
import type { Services } from "./services.js";
import type { OutboxDispatcher } from "../core/services/outbox-dispatcher.service.js";
import type { PortfolioSnapshots } from "../core/services/portfolio-snapshots.service.js";
import type { RetentionService } from "../core/services/retention.service.js";
import type { Db, Repositories } from "../db/index.js";
import type { Config } from "./config.js";
import { standardProbes, type ReadinessProbe } from "./health.js";
import { buildTwoFactor } from "./two-factor.js";
import type { MarketParts } from "./market.js";
import { addAddressBook } from "./withdrawals.js";
import {
  addTreasury,
  buildHousekeeping,
  buildIntent,
  buildObservedMarket,
  buildPushes,
  buildRouter,
  buildStores,
  CONSOLE_OPERATOR,
  type AppOptions,
  type Trade,
  type Wiring,
} from "./wiring.js";
import { addWithdrawals } from "./withdraw-send.js";
import type { RateLimiterFactory } from "../core/ports/rate-limit.port.js";
import { shareUserEvents } from "./user-events.js";
import { WebAccessService } from "../core/services/web/web-access.service.js";

export { CONSOLE_USER, type AppOptions } from "./wiring.js";

/**
 * The nearest package.json above this module: `bots/app.ts` under tsx, `dist/bots/app.js` once compiled
 * (dist/ has none of its own, so both find the repository's).
 */
function packageVersion(): string {
  for (let dir = new URL("./", import.meta.url); ; ) {
    const file = new URL("package.json", dir);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    const up = new URL("../", dir);
    if (up.href === dir.href) throw new Error(`no package.json above ${import.meta.url}`);
    dir = up;
  }
}

export const VERSION = packageVersion();

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
  /** Named rate limiters (Redis-backed when shared): the web API's per-token limit uses them. */
  limiters: RateLimiterFactory;
  /** /readyz checks: database, Redis when configured, prices. */
  readiness: ReadinessProbe[];
  /** Singleton leases: Redis when configured (database when Redis is down), else the database. */
  leases: Leases;
  redis?: { main: Redis; sub: Redis };
  /** Users' live events told by the other processes (Redis): the web stream hears them too. */
  userEvents?: RedisUserEvents;
  /** Start-up work that talks to the outside: market probe (auto), safety checks, price polling. */
  /**
   * `probeInBackground`: with MARKET_SOURCE=auto, choose live or replay without holding up start-up
   * (price reads wait for the choice). Live trading always waits: it refuses to run on replay.
   */
  start(opts?: { poll?: boolean; probeDeadlineMs?: number; probeInBackground?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Composition root: wires repositories, services and the router from config. */
export async function buildApp(config: Config, opts: AppOptions): Promise<App> {
  const clock = opts.clock ?? systemClock;
  // This process among its peers: the owner named on every lease it holds (host:pid:random).
  const instance = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const log = opts.log;
  const stores = await buildStores(config, opts, clock);
  const { db, repos, redis, limiters, leases } = stores;
  const adminKeys = new Set([...config.ADMIN_IDS, CONSOLE_OPERATOR].map((a) => identityKey(a.platform, a.id)));
  const registry = createRegistry();
  const { metrics, market, tickWatch, unsubTicks } = buildObservedMarket(config, opts, clock, stores, registry.all().map((c) => c.name));
  const w: Wiring = { config, opts, clock, log, instance, stores, metrics, market };
  const { notifications, trade, alerts, automations, outbox, tokenCards, settings } = buildPushes(w);
  const intent = buildIntent(w, registry, trade, tokenCards);
  const { retention, snapshots } = buildHousekeeping(w, trade);
  const twoFactor = buildTwoFactor(config, { dbWhere: db.where, store: repos.twoFactor, kv: repos.kv, audit: repos.audit, clock, log });
  const services: Services = {
    identity: buildIdentity(w, adminKeys),
    actions: new ActionService({ store: repos.actionTokens, clock }),
    audit: repos.audit,
    tokens: market.tokens,
    tokenCards,
    market: market.market,
    charts: market.charts,
    trading: trade.trading,
    portfolio: trade.portfolio,
    wallets: trade.wallets,
    notifications,
    alerts,
    automations,
    outbox,
    settings,
    ...(twoFactor ? { twoFactor } : {}),
    assistant: intent,
    clock,
    info: {
      tradingMode: config.TRADING_MODE,
      version: VERSION,
      explorerTx: trade.explorer,
      walletExportDeleteS: config.WALLET_EXPORT_DELETE_S,
    },
  };
  if (config.WEB === "on") {
    const baseUrl = config.WEB_BASE_URL ?? `http://127.0.0.1:${config.HTTP_PORT}`;
    services.web = new WebAccessService({ store: repos.webAuth, audit: repos.audit, clock, baseUrl, sessionDays: config.WEB_SESSION_DAYS });
  }
  await addTreasury(w, services, trade);
  // 2FA (built above, or the test's), the address book on it, and the withdrawal service on both
  const tf = opts.withdrawals?.twoFactor ?? twoFactor;
  if (tf) services.twoFactor = tf;
  addAddressBook(w, services, tf, opts.withdrawals);
  const book = opts.withdrawals?.book ?? services.addressBook;
  if (book && tf) addWithdrawals(w, services, trade, { book, twoFactor: tf });
  const router = buildRouter(w, registry, services, intent);
  const parts: Running = { w, trade, alerts, automations, outbox, retention, snapshots, services, router, unsubTicks };
  const userEvents = redis
    ? shareUserEvents(redis, { notifications: services.notifications, channel: `${config.REDIS_PREFIX}user-events`, instance, log, explorerTx: services.info.explorerTx })
    : undefined;
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
    spacer: stores.spacer,
    limiters,
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
    ...(userEvents ? { userEvents } : {}),
    start: (o = {}) => startApp(parts, o),
    close: () => closeApp(parts),
  };
}

/** What start and close drive. */
interface Running {
  w: Wiring;
  trade: Trade;
  alerts: AlertEngine;
  automations: AutomationEngine;
  outbox: OutboxDispatcher;
  retention: RetentionService;
  snapshots: PortfolioSnapshots;
  services: Services;
  router: Router;
  unsubTicks: () => void;
  stopOutboxPoll?: () => void;
}

async function startApp(p: Running, o: { poll?: boolean; probeDeadlineMs?: number; probeInBackground?: boolean }): Promise<void> {
  const { config, clock, log, instance, metrics, market } = p.w;
  const { repos, leases } = p.w.stores;
  const m = market.market;
  const sol = market.tokens.builtin("SOL");
  const deadline = o.probeDeadlineMs ?? Math.max(2000, config.PRICE_TIMEOUT_MS * 2);
  if (config.MARKET_SOURCE === "auto" && sol) {
    if (o.probeInBackground && config.TRADING_MODE !== "live") m.chooseSourceInBackground(sol, deadline);
    else await m.chooseSource(sol, deadline);
  }
  if (config.TRADING_MODE === "live" && m.isReplay) {
    throw new Error("TRADING_MODE=live refuses to run on replayed prices: fix the price sources or set MARKET_SOURCE=live");
  }
  m.track(market.tokens.builtins());
  // The web tier only takes updates; background work runs on workers (or everywhere with role "all").
  const background = o.poll !== false && config.PURSER_ROLE !== "web";
  if (background) m.startPolling(config.PRICE_POLL_MS, { leases, owner: `${instance}/price`, ttlMs: Math.max(config.PRICE_POLL_MS * 3, 5000) });
  if (config.PURSER_ROLE !== "web") await p.alerts.start();
  // Triggers listen on the price stream; schedules, retries and takeovers run on timers only with polling.
  if (config.PURSER_ROLE !== "web") await p.automations.start({ poll: background });
  if (background) {
    p.outbox.start();
    p.stopOutboxPoll = metrics.pollOutbox((n) => repos.outbox.stats(n), { now: () => clock.now(), onError: (err) => log.warn({ err }, "outbox stats failed") });
  }
  const settled = await p.trade.trading.reconcile();
  if (settled.length) log.info({ orders: settled.map((x) => `${x.id}:${x.status}`) }, "reconciled orders left in flight");
  if (background) p.trade.trading.startTracker();
  if (background) p.services.treasury?.start();
  if (background) p.retention.start();
  if (background) p.snapshots.start();
}

async function closeApp(p: Running): Promise<void> {
  const { db, redis } = p.w.stores;
  p.stopOutboxPoll?.();
  p.unsubTicks();
  p.services.identity.close();
  // Background loops hand their leases over at once instead of after they run out.
  await p.snapshots.stop();
  await p.w.market.market.stop();
  // Firings in flight finish (or leave their lease to a peer) before trading stops.
  await p.automations.stop();
  await p.trade.trading.stop();
  await p.services.treasury?.stop();
  await p.alerts.stop();
  await p.outbox.stop();
  await p.retention.stop();
  await p.router.idle();
  // The done marks of the last replies, before the database goes (see ProcessedUpdates).
  await p.w.stores.repos.updates.close().catch((err: unknown) => p.w.log.warn({ err }, "could not write the last done marks"));
  if (redis) await Promise.all([redis.main.quit().catch(() => undefined), redis.sub.quit().catch(() => undefined)]);
  if (!p.w.opts.db) await db.close();
}
