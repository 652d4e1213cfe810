import { directChat, identityKey, type PlatformAccount } from "../core/domain/identity.js";
import type { Reply } from "../core/domain/message.js";
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
import { BREAKERS, TreasuryService, type TreasuryObservation, type TreasuryReport, type TreasurySettings } from "../core/services/treasury.service.js";
import type { Repositories } from "../db/index.js";

export { TREASURY_USER } from "./treasury-user.js";
import { TREASURY_USER } from "./treasury-user.js";

/**
 * The treasury bot wired to the trading service, market, leases and the outbox. Reports go to every
 * admin in ADMIN_IDS; a plan awaiting approval carries Approve/Reject buttons bound to each admin.
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
  const report = async (r: TreasuryReport) => {
    const now = d.clock.now();
    let png: Uint8Array | undefined;
    const symbols = Object.keys(settings.targets);
    if (Object.keys(r.before).length) {
      png = await d.charts
        .barChart({
          title: r.title,
          labels: symbols,
          series: [
            { label: "target", values: symbols.map((s) => settings.targets[s] ?? 0) },
            { label: "before", values: symbols.map((s) => r.before[s] ?? 0) },
            { label: "after", values: symbols.map((s) => r.after[s] ?? 0) },
          ],
        })
        .catch(() => undefined);
    }
    for (const a of d.admins) {
      const { platform, id } = a;
      const key = identityKey(platform, id);
      const admin = await d.identity.resolve(platform, id, id);
      const buttons = r.approvalId
        ? await d.actions.issue(
            admin.user.id,
            "treasury",
            [
              { label: "Approve", action: "approve", payload: { id: r.approvalId }, style: "primary" },
              { label: "Reject", action: "reject", payload: { id: r.approvalId }, style: "danger" },
            ],
            settings.approvalTtlMs,
          )
        : [];
      const reply: Reply = {
        kind: r.title.includes("PAUSED") ? "warning" : "info",
        blocks: [
          { type: "text", spans: [{ text: r.title, style: "bold" }] },
          { type: "table", rows: r.rows },
          ...(png ? [{ type: "image" as const, png, alt: "treasury allocation before and after" }] : []),
        ],
        ...(buttons.length ? { buttons: [buttons] } : {}),
        private: true,
      };
      await d.repos.outbox.enqueue(
        { dedupeKey: `treasury:${now}:${r.approvalId ?? r.title}:${key}`, kind: "treasury.report", target: directChat(a), reply },
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
