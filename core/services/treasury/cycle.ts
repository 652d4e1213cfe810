import { randomBytes } from "node:crypto";
import type { RebalancePlan } from "../../domain/rebalance.js";
import { isUserError } from "../../errors.js";
import type { AuditLog } from "../../ports/audit.port.js";
import type { Clock } from "../../ports/clock.port.js";
import type { Logger } from "../../ports/logger.port.js";
import { feeSummary, haltText, type TreasuryExecutor } from "./executor.js";
import type { TreasuryHoldings } from "./holdings.js";
import type { TreasuryObserver } from "./observer.js";
import type { RunLease } from "./run-lease.js";
import { utcDay, type TreasuryStateStore } from "./state-store.js";
import type { BreakerName, CycleResult, RunResult, TreasuryEvent, TreasurySettings, TreasuryState, Trigger, Tripped, Valuation } from "./types.js";

export interface CycleDeps {
  settings: TreasurySettings;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  report: (e: TreasuryEvent) => Promise<void>;
  userId: string;
  store: TreasuryStateStore;
  lease: RunLease;
  holdings: TreasuryHoldings;
  executor: TreasuryExecutor;
  observer: TreasuryObserver;
}

/** A plan at current prices, with the value it was planned from. */
export interface Planned {
  plan: RebalancePlan;
  valueUsd: number;
  prices: Record<string, number>;
}

/**
 * One treasury run, decided in order: paused, cooling down, the breakers (prices rejected, missing or
 * disagreeing between sources; the day's loss; the turnover cap), then the mode (dry-run reports,
 * approve waits for an admin, auto executes). Runs only inside the run lease (the facade sees to it).
 */
export class TreasuryCycle {
  /** Rejected prices already judged: only new rejections trip the prices breaker. */
  private rejectedSeen = 0;

  constructor(private readonly d: CycleDeps) {}

  /** After a resume: the rejections so far are forgiven. */
  forgiveRejectedPrices(): void {
    this.rejectedSeen = this.d.holdings.rejectedPrices();
  }

  /** The plan now, at current prices, within what is left of today's turnover; throws when prices are not trustworthy. */
  async plan(remainingTurnover?: number): Promise<Planned> {
    const v = await this.d.holdings.valuation();
    const s = this.d.settings;
    const state = await this.d.store.read();
    const usedToday = state.day === utcDay(this.d.clock.now()) ? state.turnoverTodayUsd : 0;
    const plan = this.d.holdings.plan(v, remainingTurnover ?? Math.max(0, s.maxDailyTurnoverUsd - usedToday));
    this.d.observer.setDrift(plan.before);
    this.d.observer.observe(state);
    return { plan, valueUsd: v.valueUsd, prices: v.prices };
  }

  async run(trigger: Trigger, force: boolean): Promise<Exclude<CycleResult, { kind: "busy" }>> {
    const s = this.d.settings;
    const now = this.d.clock.now();
    let state = await this.d.store.read();
    if (state.day !== utcDay(now)) {
      state = { ...state, day: utcDay(now), turnoverTodayUsd: 0 };
      delete state.dayStartValueUsd;
    }
    if (state.paused) return { kind: "paused", ...(state.pausedReason ? { reason: state.pausedReason } : {}) };
    if (!force && state.lastRunAt && now - state.lastRunAt < s.cooldownMs) return { kind: "cooling_down" };
    const planned = await this.checkedPlan(state);
    if ("kind" in planned) return planned;
    const { plan } = planned;
    if (!plan.swaps.length) {
      if (plan.blocked.some((b) => b.limit === "turnover")) return this.trip(state, "turnover", "daily turnover cap reached");
      await this.d.store.save(state);
      return plan.inBand ? { kind: "in_band" } : { kind: "blocked", blocked: plan.blocked };
    }
    if (s.mode === "dry-run" && trigger !== "approved") {
      state.lastRunAt = now;
      await this.d.store.save(state);
      await this.d.report({ kind: "dry_run", plan });
      return { kind: "dry_run", swaps: plan.swaps.length };
    }
    if (s.mode === "approve" && trigger !== "approved") {
      const id = randomBytes(6).toString("hex");
      const expiresAt = now + s.approvalTtlMs;
      state.pending = { id, plan, expiresAt };
      state.lastRunAt = now;
      await this.d.store.save(state);
      await this.d.report({ kind: "approval", plan, id, expiresAt });
      return { kind: "awaiting_approval", id, swaps: plan.swaps.length, expiresAt };
    }
    return this.execute(state, plan, trigger);
  }

  /**
   * The plan, once the breakers that judge prices and value let it through: new price rejections,
   * a missing price, sources that disagree, and today's loss. A tripped breaker instead of a plan.
   */
  private async checkedPlan(state: TreasuryState): Promise<Planned | Tripped> {
    const s = this.d.settings;
    const rejected = this.d.holdings.rejectedPrices();
    if (rejected > this.rejectedSeen) {
      this.rejectedSeen = rejected;
      return this.trip(state, "prices", "prices were rejected or deviated between sources");
    }
    let planned: Planned;
    try {
      planned = await this.plan();
    } catch (err) {
      if (isUserError(err) && err.code === "prices_unavailable") return this.trip(state, "prices", err.message);
      throw err;
    }
    const disagreement = await this.d.holdings.sourcesDisagree();
    if (disagreement) return this.trip(state, "prices", disagreement);
    state.dayStartValueUsd ??= planned.valueUsd;
    if (state.dayStartValueUsd > 0 && ((state.dayStartValueUsd - planned.valueUsd) / state.dayStartValueUsd) * 100 > s.maxDailyLossPct) {
      return this.trip(state, "daily_loss", `value fell more than ${s.maxDailyLossPct}% today`);
    }
    return planned;
  }

  /**
   * Executes the plan's swaps in order (only ever holding the run lease), stopping when the lease is
   * lost or the kill switch pulled; then records, audits and reports what really happened, and trips
   * the failures or turnover breaker when a limit is reached.
   */
  async execute(state: TreasuryState, plan: RebalancePlan, trigger: Trigger): Promise<RunResult> {
    if (!this.d.lease.held) throw new Error("treasury swaps run only while holding the treasury lease");
    const s = this.d.settings;
    const now = this.d.clock.now();
    // Before every swap: still holding the lease, and nobody pulled the kill switch meanwhile.
    const ex = await this.d.executor.run(plan, async () => (!(await this.d.lease.beforeSwap()) ? "lease_lost" : (await this.d.store.read()).paused ? "paused" : undefined));
    // What the swaps really did: the holdings and prices now, not the plan's model.
    let after: Valuation | undefined;
    try {
      after = await this.d.holdings.valuation();
      this.d.observer.setDrift(after.allocation);
    } catch (err) {
      this.d.log.warn({ err }, "treasury could not value its holdings after the swaps: the report shows the plan");
    }
    const fees = feeSummary(ex.orders, after?.prices, s.feeBps);
    const failed = ex.failed ? 1 : 0;
    const filled = ex.orders.filter((o) => o.status === "filled").length;
    const halted = ex.halted ? haltText(ex.halted) : undefined;
    state.lastRunAt = now;
    state.turnoverTodayUsd += ex.turnoverUsd;
    state.consecutiveFailures = failed ? state.consecutiveFailures + 1 : 0;
    state.pending = undefined;
    const note = failed ? "partial: will re-plan" : halted ? `stopped: ${halted}` : "done";
    state.history.push({ at: now, trigger, swaps: plan.swaps.length, filled, failed, turnoverUsd: ex.turnoverUsd, feesUsd: fees.usd, note });
    await this.d.store.save(state);
    await this.d.audit.record({ at: now, userId: this.d.userId, action: "treasury.rebalanced", detail: { trigger, swaps: plan.swaps.length, filled, failed, ...(halted ? { halted } : {}) } });
    await this.d.report({ kind: "rebalanced", plan, outcomes: ex.outcomes, ...(after ? { after } : {}), fees, turnoverUsd: ex.turnoverUsd });
    if (state.consecutiveFailures >= s.maxConsecutiveFailures) return this.trip(state, "failures", `${state.consecutiveFailures} failed rebalances in a row`);
    if (state.turnoverTodayUsd >= s.maxDailyTurnoverUsd) return this.trip(state, "turnover", "daily turnover cap reached");
    return { kind: "executed", filled, planned: plan.swaps.length, failed: ex.failed, ...(ex.halted ? { halted: ex.halted } : {}) };
  }

  /** Trips a breaker: pauses, records why, audits, and reports it to the admins. */
  private async trip(state: TreasuryState, breaker: BreakerName, why: string): Promise<Tripped> {
    const now = this.d.clock.now();
    state.breakers[breaker] = why;
    state.paused = true;
    state.pausedReason = `breaker: ${why}`;
    await this.d.store.save(state);
    await this.d.audit.record({ at: now, userId: this.d.userId, action: "treasury.breaker", detail: { breaker, why } });
    this.d.observer.observe(state);
    await this.d.report({ kind: "breaker", breaker, why });
    return { kind: "tripped", breaker, why };
  }
}
