import { randomBytes } from "node:crypto";
import { planRebalance, type RebalancePlan } from "../domain/rebalance.js";
import type { Token } from "../domain/token.js";
import type { Order } from "../domain/order.js";
import type { Platform } from "../domain/identity.js";
import { unitsToUsd } from "../domain/money.js";
import { UserError, isUserError } from "../errors.js";
import type { AuditLog } from "../ports/audit.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { KvStore, Leases } from "../ports/kv.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { BookStore, Wallet } from "../ports/orders.port.js";
import type { Chain } from "../ports/trading.port.js";
import type { MarketService } from "./market.service.js";
import type { TokenRegistry } from "./token-registry.service.js";
import { SOL_MINT, type TradingService } from "./trading.service.js";

export interface TreasurySettings {
  mode: "dry-run" | "approve" | "auto";
  /** "paper" (default) or a live wallet whose key the vault holds. */
  wallet: { kind: "paper"; startUsd: number } | { kind: "live"; wallet: Wallet };
  targets: Record<string, number>;
  /** "SOL>JUP" pairs cheaper to swap directly than through USDC. */
  directRoutes?: readonly string[];
  bandAbsPct?: number;
  bandRelPct?: number;
  minTradeUsd: number;
  maxTradeUsd: number;
  maxDailyTurnoverUsd: number;
  maxSlippageBps: number;
  maxPriceImpactPct: number;
  cooldownMs: number;
  /** Next run after `from` (interval or cron). */
  nextRun: (from: number) => number;
  approvalTtlMs: number;
  maxDailyLossPct: number;
  maxConsecutiveFailures: number;
  /**
   * Before trading, every price source is asked for every target asset; if two disagree by more than
   * this (percent of the lower), the prices breaker trips. With one source there is nothing to compare.
   */
  maxSourceDeviationPct?: number;
  /** Modelled cost per swap for planning (bps). */
  feeBps: number;
}

export type BreakerName = "daily_loss" | "failures" | "prices" | "turnover";

export interface TreasuryState {
  paused: boolean;
  pausedReason?: string;
  lastRunAt?: number;
  day: string;
  dayStartValueUsd?: number;
  turnoverTodayUsd: number;
  consecutiveFailures: number;
  breakers: Partial<Record<BreakerName, string>>;
  pending?: { id: string; plan: RebalancePlan; expiresAt: number };
  history: Array<{ at: number; trigger: string; swaps: number; filled: number; failed: number; turnoverUsd: number; feesUsd: number; note: string }>;
}

export interface TreasuryReport {
  title: string;
  rows: Array<[string, string]>;
  before: Record<string, number>;
  after: Record<string, number>;
  /** Plans waiting for approval carry their id (buttons are made per admin by the caller). */
  approvalId?: string;
}

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
  /** Posts a report or alarm to every admin (through the outbox). */
  report: (r: TreasuryReport) => Promise<void>;
  /** The treasury's own user id (owner of its orders and book). */
  userId: string;
  /** How long the loop's lease outlives a holder that stopped renewing. */
  leaseTtlMs?: number;
  /** Who holds the loop's lease (operators see it in the lease store): the instance id. */
  leaseOwner?: string;
}

const STATE_KEY = "treasury:state";
const LEASE = "treasury-loop";

/** One planned swap's result: the order it became, or why it never became one. */
type SwapOutcome = { order: Order } | { swap: string; error: string };
const HUB = "USDC";
const today = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The treasury bot: keeps its wallet at the target allocation with hard limits in code. One loop
 * across all instances (a lease); state (pause, breakers, turnover, pending approval) persisted;
 * every swap goes through the trading service's once-only execution. It has no transfer path at all:
 * it can only swap inside its own wallet.
 */
export class TreasuryService {
  private readonly owner: string;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private rejectedSeen = 0;

  constructor(private readonly d: TreasuryDeps) {
    this.owner = d.leaseOwner ?? `treasury-${randomBytes(4).toString("hex")}`;
  }

  get settings() {
    return this.d.settings;
  }

  async state(): Promise<TreasuryState> {
    const raw = await this.d.kv.get(STATE_KEY);
    const s: TreasuryState = raw ? (JSON.parse(raw) as TreasuryState) : { paused: false, day: today(this.d.clock.now()), turnoverTodayUsd: 0, consecutiveFailures: 0, breakers: {}, history: [] };
    if (s.pending?.plan) s.pending.plan = revivePlan(s.pending.plan);
    return s;
  }

  private async save(s: TreasuryState) {
    s.history = s.history.slice(-50);
    await this.d.kv.set(STATE_KEY, JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? { $big: v.toString() } : v)), this.d.clock.now());
  }

  private book(): string {
    return this.d.settings.wallet.kind === "paper" ? "treasury-paper" : this.d.settings.wallet.wallet.address;
  }

  /** Holdings now: the paper book, or the wallet on-chain (reconciled every time, never cached). */
  async holdings(): Promise<Array<{ token: Token; amount: bigint }>> {
    const w = this.d.settings.wallet;
    const symbols = Object.keys(this.d.settings.targets);
    const tokens = symbols.map((s) => this.d.tokens.builtin(s)).filter((t): t is Token => !!t);
    if (w.kind === "paper") {
      const now = this.d.clock.now();
      const usdc = this.d.tokens.builtin(HUB)!;
      const units = BigInt(Math.round(w.startUsd * 1e6));
      await this.d.books.ensure(this.d.userId, this.book(), now, { mint: usdc.mint, amount: units, costMicro: units });
      const pos = new Map((await this.d.books.positions(this.d.userId, this.book())).map((p) => [p.mint, p.amount]));
      return tokens.map((t) => ({ token: t, amount: pos.get(t.mint) ?? 0n }));
    }
    if (!this.d.chain) throw new Error("live treasury needs a Solana connection");
    const bal = await this.d.chain.balances(w.wallet.address);
    return tokens.map((t) => ({
      token: t,
      amount: t.mint === SOL_MINT ? bal.lamports : bal.tokens.filter((x) => x.mint === t.mint).reduce((a, x) => a + x.amount, 0n),
    }));
  }

  /** Current plan at current prices; throws a clear error when prices are not trustworthy. */
  async plan(remainingTurnover?: number): Promise<{ plan: RebalancePlan; valueUsd: number; prices: Record<string, number> }> {
    const held = await this.holdings();
    const quotes = await this.d.market.getPrices(held.map((h) => h.token));
    const prices: Record<string, number> = {};
    for (const h of held) {
      const q = quotes.get(h.token.mint);
      if (q) prices[h.token.symbol] = q.usd;
    }
    const missing = held.filter((h) => prices[h.token.symbol] === undefined).map((h) => h.token.symbol);
    if (missing.length) throw new UserError("prices_unavailable", `No trustworthy price for ${missing.join(", ")}; the treasury will not plan on guesses.`);
    const s = this.d.settings;
    const state = await this.state();
    const plan = planRebalance(
      held.map((h) => ({ symbol: h.token.symbol, amount: h.amount, decimals: h.token.decimals })),
      prices,
      s.targets,
      {
        ...(s.bandAbsPct !== undefined ? { bandAbsPct: s.bandAbsPct } : {}),
        ...(s.bandRelPct !== undefined ? { bandRelPct: s.bandRelPct } : {}),
        minTradeUsd: s.minTradeUsd,
        maxTradeUsd: s.maxTradeUsd,
        maxTurnoverUsd: remainingTurnover ?? Math.max(0, s.maxDailyTurnoverUsd - (state.day === today(this.d.clock.now()) ? state.turnoverTodayUsd : 0)),
        feeBps: s.feeBps,
        hub: HUB,
        ...(s.directRoutes?.length ? { directRoutes: s.directRoutes } : {}),
      },
    );
    const valueUsd = held.reduce((a, h) => a + unitsToUsd(h.amount, h.token.decimals, prices[h.token.symbol]!), 0);
    return { plan, valueUsd, prices };
  }

  /** Why the price sources cannot be trusted for these assets right now, or undefined when they agree. */
  private async sourcesDisagree(): Promise<string | undefined> {
    const max = this.d.settings.maxSourceDeviationPct;
    if (max === undefined) return undefined;
    const tokens = Object.keys(this.d.settings.targets)
      .map((s) => this.d.tokens.builtin(s))
      .filter((t): t is Token => !!t);
    const bySource = await this.d.market.quotesBySource(tokens);
    for (const t of tokens) {
      const qs = bySource.get(t.mint) ?? [];
      if (qs.length < 2) continue;
      const lo = Math.min(...qs.map((q) => q.usd));
      const hi = Math.max(...qs.map((q) => q.usd));
      const pct = ((hi - lo) / lo) * 100;
      if (pct > max) {
        const seen = qs.map((q) => `${q.source} $${q.usd.toPrecision(6)}`).join(", ");
        return `${t.symbol} price sources disagree by ${pct.toFixed(2)}% (${seen}; limit ${max}%)`;
      }
    }
    return undefined;
  }

  /** One scheduled or manual cycle. Returns what happened, in words. */
  async cycle(trigger: "schedule" | "manual" | "approved", force = false): Promise<string> {
    const s = this.d.settings;
    const now = this.d.clock.now();
    let state = await this.state();
    if (state.day !== today(now)) {
      state = { ...state, day: today(now), turnoverTodayUsd: 0 };
      delete state.dayStartValueUsd;
    }
    if (state.paused) return `paused${state.pausedReason ? ` (${state.pausedReason})` : ""}`;
    if (!force && state.lastRunAt && now - state.lastRunAt < s.cooldownMs) return "cooling down";
    if (this.d.market.rejected.deviation + this.d.market.rejected.stale + this.d.market.rejected.nan > this.rejectedSeen) {
      this.rejectedSeen = this.d.market.rejected.deviation + this.d.market.rejected.stale + this.d.market.rejected.nan;
      return this.trip(state, "prices", "prices were rejected or deviated between sources");
    }
    let planned: Awaited<ReturnType<TreasuryService["plan"]>>;
    try {
      planned = await this.plan();
    } catch (err) {
      if (isUserError(err) && err.code === "prices_unavailable") return this.trip(state, "prices", err.message);
      throw err;
    }
    const disagreement = await this.sourcesDisagree();
    if (disagreement) return this.trip(state, "prices", disagreement);
    state.dayStartValueUsd ??= planned.valueUsd;
    if (state.dayStartValueUsd > 0 && ((state.dayStartValueUsd - planned.valueUsd) / state.dayStartValueUsd) * 100 > s.maxDailyLossPct) {
      return this.trip(state, "daily_loss", `value fell more than ${s.maxDailyLossPct}% today`);
    }
    const { plan } = planned;
    if (!plan.swaps.length) {
      if (plan.blocked.some((b) => /turnover/i.test(b.reason))) return this.trip(state, "turnover", "daily turnover cap reached");
      await this.save(state);
      return plan.inBand ? "in band: nothing to do" : `blocked: ${plan.blocked.map((b) => `${b.symbol} (${b.reason})`).join(", ")}`;
    }
    if (s.mode === "dry-run" && trigger !== "approved") {
      state.lastRunAt = now;
      await this.save(state);
      await this.d.report(this.planReport(plan, "Treasury plan (dry-run: nothing executed)"));
      return `dry-run: ${plan.swaps.length} swaps planned`;
    }
    if (s.mode === "approve" && trigger !== "approved") {
      const id = randomBytes(6).toString("hex");
      state.pending = { id, plan, expiresAt: now + s.approvalTtlMs };
      state.lastRunAt = now;
      await this.save(state);
      await this.d.report({ ...this.planReport(plan, "Treasury plan waiting for approval"), approvalId: id });
      return `waiting for approval (${plan.swaps.length} swaps)`;
    }
    return this.execute(state, plan, trigger);
  }

  private async execute(state: TreasuryState, plan: RebalancePlan, trigger: string): Promise<string> {
    const s = this.d.settings;
    const now = this.d.clock.now();
    const account = {
      userId: this.d.userId,
      book: this.book(),
      wallet: s.wallet.kind === "live" ? s.wallet.wallet : null,
      mode: s.wallet.kind === "paper" ? ("paper" as const) : ("live" as const),
    };
    const limits = {
      maxTradeUsd: s.maxTradeUsd * 1.05,
      dailyCapUsd: Number.MAX_SAFE_INTEGER,
      maxSlippageBps: s.maxSlippageBps,
      defaultSlippageBps: Math.min(50, s.maxSlippageBps),
      maxPriceImpactPct: s.maxPriceImpactPct,
      allow: null,
    };
    const results: SwapOutcome[] = [];
    let failed = 0;
    let turnover = 0;
    for (const sw of plan.swaps) {
      const input = this.d.tokens.builtin(sw.from)!;
      const output = this.d.tokens.builtin(sw.to)!;
      try {
        const order = await this.d.trading.previewIn(account, { side: "swap", input, output, amount: { kind: "units", units: sw.amountIn } }, { platform: "console", chatId: "treasury" }, limits);
        const r = await this.d.trading.confirm(this.d.userId, order.id, { dailyCapUsd: limits.dailyCapUsd });
        results.push({ order: r.order });
        if (r.kind === "filled" || r.kind === "pending") turnover += sw.usd;
        else {
          failed++;
          break; // re-plan on the next cycle from the real balances instead of replaying the rest
        }
      } catch (err) {
        failed++;
        this.d.log.warn({ err, swap: `${sw.from}>${sw.to}` }, "treasury swap failed");
        results.push({ swap: `${sw.from} -> ${sw.to}`, error: err instanceof Error ? err.message : String(err) });
        break;
      }
    }
    state.lastRunAt = now;
    state.turnoverTodayUsd += turnover;
    state.consecutiveFailures = failed ? state.consecutiveFailures + 1 : 0;
    state.pending = undefined;
    const filled = results.filter((r) => "order" in r && r.order.status === "filled").length;
    state.history.push({ at: now, trigger, swaps: plan.swaps.length, filled, failed, turnoverUsd: turnover, feesUsd: plan.feesUsd, note: failed ? "partial: will re-plan" : "done" });
    await this.save(state);
    await this.d.audit.record({ at: now, userId: this.d.userId, action: "treasury.rebalanced", detail: { trigger, swaps: plan.swaps.length, filled, failed } });
    await this.d.report(this.executionReport(plan, results));
    if (state.consecutiveFailures >= s.maxConsecutiveFailures) return this.trip(state, "failures", `${state.consecutiveFailures} failed rebalances in a row`);
    if (state.turnoverTodayUsd >= s.maxDailyTurnoverUsd) return this.trip(state, "turnover", "daily turnover cap reached");
    return `${filled}/${plan.swaps.length} swaps filled${failed ? "; stopped after a failure, will re-plan" : ""}`;
  }

  private async trip(state: TreasuryState, breaker: BreakerName, why: string): Promise<string> {
    const now = this.d.clock.now();
    state.breakers[breaker] = why;
    state.paused = true;
    state.pausedReason = `breaker: ${why}`;
    await this.save(state);
    await this.d.audit.record({ at: now, userId: this.d.userId, action: "treasury.breaker", detail: { breaker, why } });
    await this.d.report({ title: `Treasury PAUSED: ${why}`, rows: [["Breaker", breaker], ["Resume", "/treasury resume (after checking)"]], before: {}, after: {} });
    return `paused by the ${breaker} breaker: ${why}`;
  }

  async pause(by: string): Promise<void> {
    const s = await this.state();
    s.paused = true;
    s.pausedReason = `paused by ${by}`;
    await this.save(s);
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.paused" });
  }

  async resume(by: string): Promise<void> {
    const s = await this.state();
    s.paused = false;
    s.pausedReason = undefined;
    s.breakers = {};
    s.consecutiveFailures = 0;
    this.rejectedSeen = this.d.market.rejected.deviation + this.d.market.rejected.stale + this.d.market.rejected.nan;
    await this.save(s);
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.resumed" });
  }

  /** An admin's Approve: executes the pending plan once, if it has not expired. */
  async approve(id: string, by: string): Promise<string> {
    const s = await this.state();
    if (!s.pending || s.pending.id !== id) return "That plan is no longer pending.";
    if (this.d.clock.now() > s.pending.expiresAt) {
      s.pending = undefined;
      await this.save(s);
      return "That plan expired; a fresh one comes with the next cycle.";
    }
    if (s.paused) return "The treasury is paused; resume it first.";
    const plan = s.pending.plan;
    s.pending = undefined;
    await this.save(s); // cleared first: a second Approve finds nothing
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.approved", detail: { id } });
    return this.execute(await this.state(), plan, "approved");
  }

  async reject(id: string, by: string): Promise<string> {
    const s = await this.state();
    if (!s.pending || s.pending.id !== id) return "That plan is no longer pending.";
    s.pending = undefined;
    await this.save(s);
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.rejected", detail: { id } });
    return "Plan rejected; nothing was traded.";
  }

  /**
   * One loop step: runs a cycle only while holding the lease (one treasury loop across all
   * instances) and only when the schedule says it is due. Null when another instance holds it.
   */
  async tick(): Promise<string | null> {
    if (!(await this.d.leases.acquire(LEASE, this.owner, this.d.leaseTtlMs ?? 60_000))) return null;
    const state = await this.state();
    if (state.lastRunAt !== undefined && this.d.clock.now() < this.d.settings.nextRun(state.lastRunAt)) return "not due";
    this.running = this.cycle("schedule");
    const r = (await this.running) as string;
    this.d.log.info({ result: r }, "treasury cycle");
    return r;
  }

  /** The loop: every 30 s at most, a tick (lease + schedule decide whether anything runs). */
  start(): void {
    const loop = async () => {
      try {
        await this.tick();
      } catch (err) {
        this.d.log.error({ err }, "treasury cycle failed");
      }
      this.timer = setTimeout(() => void loop(), Math.min(30_000, (this.d.leaseTtlMs ?? 60_000) / 3));
      this.timer.unref?.();
    };
    this.timer = setTimeout(() => void loop(), 1000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.d.leases.release(LEASE, this.owner).catch(() => undefined);
  }

  private planReport(plan: RebalancePlan, title: string): TreasuryReport {
    const rows: Array<[string, string]> = plan.swaps.map((s, i) => [`${i + 1}. ${s.from} -> ${s.to}`, `$${s.usd.toFixed(2)} (${s.reason})`]);
    rows.push(["Turnover", `$${plan.turnoverUsd.toFixed(2)}`], ["Modelled fees", `$${plan.feesUsd.toFixed(2)}`]);
    for (const b of plan.blocked) rows.push([`Blocked ${b.symbol}`, b.reason]);
    return { title, rows, before: plan.before, after: plan.after };
  }

  private executionReport(plan: RebalancePlan, outcomes: SwapOutcome[]): TreasuryReport {
    const rows: Array<[string, string]> = outcomes.map((r, i) => {
      if (!("order" in r)) return [`${i + 1}. ${r.swap} failed`, r.error];
      const o = r.order;
      const q = unitsToUsd(o.quotedOut, o.output.decimals, 1);
      const got = o.filledOut !== null ? unitsToUsd(o.filledOut, o.output.decimals, 1) : 0;
      const slip = q > 0 && o.filledOut !== null ? ((q - got) / q) * 10_000 : 0;
      return [`${i + 1}. ${o.input.symbol} -> ${o.output.symbol}`, `${o.status}; quoted ${q.toFixed(6)} ${o.output.symbol}, got ${got.toFixed(6)} (${slip.toFixed(1)} bps)`];
    });
    rows.push(["Turnover", `$${plan.turnoverUsd.toFixed(2)}`], ["Modelled fees", `$${plan.feesUsd.toFixed(2)}`]);
    return { title: "Treasury rebalanced", rows, before: plan.before, after: plan.after };
  }
}

function revivePlan(p: RebalancePlan): RebalancePlan {
  return { ...p, swaps: p.swaps.map((s) => ({ ...s, amountIn: BigInt((s.amountIn as unknown as { $big?: string }).$big ?? String(s.amountIn)) })) };
}
