import { directChat, identityKey, type PlatformAccount } from "../core/domain/identity.js";
import type { AuditLog } from "../core/ports/audit.port.js";
import type { ChartRenderer } from "../core/ports/chart.port.js";
import type { Clock } from "../core/ports/clock.port.js";
import type { Leases } from "../core/ports/kv.port.js";
import type { Logger } from "../core/ports/logger.port.js";
import type { Chain } from "../core/ports/trading.port.js";
import type { ActionService } from "../core/services/actions.service.js";
import type { IdentityService } from "../core/services/identity.service.js";
import type { MarketService } from "../core/services/market.service.js";
import type { TokenRegistry } from "../core/services/token-registry.service.js";
import type { TradingService } from "../core/services/trading.service.js";
import { BREAKERS, TreasuryReporter, TreasuryService, type TreasuryEvent, type TreasuryObservation, type TreasurySettings } from "../core/services/treasury/index.js";
import type { Repositories } from "../db/index.js";

export { TREASURY_USER } from "./treasury-user.js";
import { TREASURY_USER } from "./treasury-user.js";

/**
 * The treasury bot wired to the trading service, market, leases and the outbox. Its reports (rendered
 * in core by TreasuryReporter: chart, and Approve/Reject buttons bound to each admin for a plan
 * awaiting approval) go to every admin in ADMIN_IDS through the outbox.
 */
export function buildTreasury(
  settings: TreasurySettings,
  d: {
    repos: Repositories;
    trading: TradingService;
    market: MarketService;
    tokens: TokenRegistry;
    chain?: Chain;
    leases: Leases;
    audit: AuditLog;
    clock: Clock;
    log: Logger;
    charts: ChartRenderer;
    identity: IdentityService;
    actions: ActionService;
    admins: readonly PlatformAccount[];
    leaseTtlMs?: number;
    leaseOwner?: string;
    /** Observer of drift, breakers and pause after each cycle, plan, pause, resume and trip (metrics: see treasuryMetricsObserver). */
    onState?: (s: TreasuryObservation) => void;
  },
): TreasuryService {
  const reporter = new TreasuryReporter({ charts: d.charts, actions: d.actions, targets: settings.targets, approvalTtlMs: settings.approvalTtlMs });
  const report = async (e: TreasuryEvent) => {
    const now = d.clock.now();
    const r = await reporter.render(e);
    for (const a of d.admins) {
      const { platform, id } = a;
      const key = identityKey(platform, id);
      const admin = await d.identity.resolve(platform, id, id);
      await d.repos.outbox.enqueue(
        { dedupeKey: `treasury:${now}:${r.key}:${key}`, kind: "treasury.report", target: directChat(a), reply: await r.replyFor(admin.user.id) },
        now,
      );
    }
  };
  return new TreasuryService({
    settings,
    trading: d.trading,
    market: d.market,
    tokens: d.tokens,
    books: d.repos.books,
    ...(d.chain ? { chain: d.chain } : {}),
    kv: d.repos.kv,
    leases: d.leases,
    audit: d.audit,
    clock: d.clock,
    log: d.log.child({ component: "treasury" }),
    report,
    userId: TREASURY_USER,
    ...(d.leaseTtlMs ? { leaseTtlMs: d.leaseTtlMs } : {}),
    ...(d.leaseOwner ? { leaseOwner: d.leaseOwner } : {}),
    ...(d.onState ? { onState: d.onState } : {}),
  });
}

/** The Metrics methods the treasury observer feeds (adapters/metrics/metrics.ts). */
export interface TreasuryGauges {
  treasuryDrift(asset: string, pct: number): void;
  treasuryBreaker(breaker: string, tripped: boolean): void;
  treasuryPaused(paused: boolean): void;
}

/**
 * The treasury's `onState` observer for Prometheus: purser_treasury_drift_pct per asset,
 * purser_treasury_breaker per breaker (every known one, 0 or 1) and purser_treasury_paused.
 */
export function treasuryMetricsObserver(m: TreasuryGauges): (s: TreasuryObservation) => void {
  return (s) => {
    for (const [asset, pct] of Object.entries(s.driftPct)) m.treasuryDrift(asset, pct);
    for (const b of BREAKERS) m.treasuryBreaker(b, s.breakers[b]);
    m.treasuryPaused(s.paused);
  };
}
