import { randomBytes } from "node:crypto";
import type { Token } from "../../domain/token.js";
import type { AuditLog } from "../../ports/audit.port.js";
import type { Clock } from "../../ports/clock.port.js";
import type { KvStore, Leases } from "../../ports/kv.port.js";
import type { Logger } from "../../ports/logger.port.js";
import type { BookStore } from "../../ports/orders.port.js";
import type { Chain } from "../../ports/trading.port.js";
import type { LoopStep } from "../leader-loop.js";
import type { MarketService } from "../market.service.js";
import type { TokenRegistry } from "../token-registry.service.js";
import type { TradingService } from "../trading.service.js";
import { TreasuryCycle, type Planned } from "./cycle.js";
import { TreasuryExecutor } from "./executor.js";
import { TreasuryHoldings } from "./holdings.js";
import { TreasuryObserver } from "./observer.js";
import { RunLease } from "./run-lease.js";
import { TreasuryRunner } from "./runner.js";
import { TreasuryStateStore } from "./state-store.js";
import type { ApproveResult, CycleResult, RejectResult, TickResult, TreasuryEvent, TreasuryObservation, TreasurySettings, TreasuryState, Trigger } from "./types.js";

export interface TreasuryDeps {
  settings: TreasurySettings;
  trading: TradingService;
  market: MarketService;
  tokens: TokenRegistry;
  books: BookStore;
  chain?: Chain;
  kv: KvStore;
  leases: Leases;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  /** Posts an event (a plan, a run, a breaker) to every admin: render it with TreasuryReporter. */
  report: (e: TreasuryEvent) => Promise<void>;
  /** The treasury's own user id (owner of its orders and book). */
  userId: string;
  /** How long the leases outlive a holder that stopped renewing. */
  leaseTtlMs?: number;
  /** Who holds the leases (operators see it in the lease store): the instance id. */
  leaseOwner?: string;
  /**
   * Observer (metrics): called with the current drift, breakers and pause flag after each cycle,
   * plan, pause, resume and breaker trip. Its errors are logged, never thrown.
   */
  onState?: (s: TreasuryObservation) => void;
}

/**
 * Held for the whole of every run that can trade (scheduled cycle, manual rebalance, approval),
 * renewed while it lasts and released at its end (see RunLease).
 */
const RUN_LEASE = "treasury-run";

/**
 * The treasury bot: keeps its wallet at the target allocation with hard limits in code. One loop
 * across all instances (TreasuryRunner on the shared LeaderLoop), one trading run at a time (RunLease),
 * state persisted by compare-and-set (TreasuryStateStore), swaps run in order through the trading
 * service's once-only execution (TreasuryExecutor), and what happened reported as typed events
 * (rendered by report.ts). It has no transfer path at all: it can only swap inside its own wallet.
 * Every result a caller branches on is a union with a `kind` (results.ts says it in words).
 */
export class TreasuryService {
  private readonly store: TreasuryStateStore;
  private readonly lease: RunLease;
  private readonly holdingsOf: TreasuryHoldings;
  private readonly observer: TreasuryObserver;
  private readonly runs: TreasuryCycle;
  private readonly runner: TreasuryRunner;

  constructor(private readonly d: TreasuryDeps) {
    const owner = d.leaseOwner ?? `treasury-${randomBytes(4).toString("hex")}`;
    const ttlMs = d.leaseTtlMs ?? 60_000;
    this.store = new TreasuryStateStore(d.kv, d.clock);
    this.lease = new RunLease({ leases: d.leases, name: RUN_LEASE, owner, ttlMs, clock: d.clock, log: d.log });
    this.holdingsOf = new TreasuryHoldings({ settings: d.settings, market: d.market, tokens: d.tokens, books: d.books, ...(d.chain ? { chain: d.chain } : {}), clock: d.clock, userId: d.userId });
    this.observer = new TreasuryObserver(d.settings.targets, d.log, d.onState);
    const executor = new TreasuryExecutor({ settings: d.settings, trading: d.trading, tokens: d.tokens, log: d.log, userId: d.userId, book: () => this.holdingsOf.book() });
    this.runs = new TreasuryCycle({ ...d, store: this.store, lease: this.lease, holdings: this.holdingsOf, executor, observer: this.observer });
    this.runner = new TreasuryRunner({ leases: d.leases, owner, ttlMs, log: d.log, now: () => d.clock.now(), step: (step) => this.scheduled(step) });
  }

  get settings(): TreasurySettings {
    return this.d.settings;
  }

  state(): Promise<TreasuryState> {
    return this.store.read();
  }

  /** Holdings now: the paper book, or the wallet on-chain (reconciled every time, never cached). */
  holdings(): Promise<Array<{ token: Token; amount: bigint }>> {
    return this.holdingsOf.holdings();
  }

  /** Current plan at current prices; throws a clear error when prices are not trustworthy. */
  plan(remainingTurnover?: number): Promise<Planned> {
    return this.runs.plan(remainingTurnover);
  }

  /** One scheduled or manual cycle, holding the run lease throughout (refused as `busy` when it is held). */
  async cycle(trigger: Trigger, force = false): Promise<CycleResult> {
    return this.cycleIn(trigger, force);
  }

  /**
   * An admin's Approve: executes the pending plan once, if it has not expired, holding the run lease
   * for all of it. When another run holds the lease nothing trades and the plan stays pending.
   */
  async approve(id: string, by: string): Promise<ApproveResult> {
    const r = await this.lease.exclusive(() => this.approveHeld(id, by));
    if (r.kind !== "busy") {
      this.observer.observe(await this.state());
      return r;
    }
    const s = await this.state();
    if (!s.pending || s.pending.id !== id) return { kind: "gone" };
    if (this.d.clock.now() > s.pending.expiresAt) return { kind: "expired" };
    return { ...r, expiresAt: s.pending.expiresAt };
  }

  async reject(id: string, by: string): Promise<RejectResult> {
    if (!(await this.store.takePending(id))) return { kind: "gone" };
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.rejected", detail: { id } });
    return { kind: "rejected" };
  }

  /** The kill switch: never waits for the lease (a running cycle stops before its next swap). */
  async pause(by: string): Promise<void> {
    const s = await this.store.mutate((cur) => ({ ...cur, paused: true, pausedReason: `paused by ${by}` }));
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.paused" });
    this.observer.observe(s);
  }

  async resume(by: string): Promise<void> {
    const s = await this.store.mutate((cur) => {
      const next: TreasuryState = { ...cur, paused: false, breakers: {}, consecutiveFailures: 0 };
      delete next.pausedReason;
      return next;
    });
    this.runs.forgiveRejectedPrices();
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.resumed" });
    this.observer.observe(s);
  }

  /**
   * One loop step now: takes or renews the loop lease (one treasury loop across all instances) and,
   * when the schedule says it is due, runs a cycle holding the run lease throughout. Null when
   * another instance leads the loop.
   */
  tick(): Promise<TickResult | null> {
    return this.runner.tick();
  }

  /** The loop: a tick every third of the lease TTL, at most 30 s (lease and schedule decide whether anything runs). */
  start(): void {
    this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    await this.lease.idle();
    await this.lease.release();
  }

  /** A loop step on the leader: not due yet, or a scheduled cycle (renewing the loop lease alongside). */
  private async scheduled(step: LoopStep): Promise<TickResult> {
    const state = await this.state();
    if (state.lastRunAt !== undefined && this.d.clock.now() < this.d.settings.nextRun(state.lastRunAt)) return { kind: "not_due" };
    return this.cycleIn("schedule", false, step);
  }

  private async cycleIn(trigger: Trigger, force: boolean, step?: LoopStep): Promise<CycleResult> {
    const r = await this.lease.exclusive(() => this.runs.run(trigger, force), step);
    if (r.kind !== "busy") this.observer.observe(await this.state());
    return r;
  }

  /** The Approve itself, holding the run lease: checks the plan is still pending and unexpired, takes it, runs it. */
  private async approveHeld(id: string, by: string): Promise<Exclude<ApproveResult, { kind: "busy" }>> {
    const s = await this.state();
    if (!s.pending || s.pending.id !== id) return { kind: "gone" };
    if (this.d.clock.now() > s.pending.expiresAt) {
      await this.store.takePending(id);
      return { kind: "expired" };
    }
    if (s.paused) return { kind: "paused", expiresAt: s.pending.expiresAt };
    const plan = s.pending.plan;
    // Taken first (only if it is still this plan): a second Approve finds nothing.
    if (!(await this.store.takePending(id))) return { kind: "gone" };
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.approved", detail: { id } });
    return this.runs.execute(await this.state(), plan, "approved");
  }
}
