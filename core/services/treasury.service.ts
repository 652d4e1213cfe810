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
import type { TreasuryPort } from "../ports/treasury.port.js";
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
export const BREAKERS: readonly BreakerName[] = ["daily_loss", "failures", "prices", "turnover"];

/** What the treasury looks like now, for metrics: drift, breakers and the pause flag. */
export interface TreasuryObservation {
  /** Actual minus target allocation per asset, percentage points (the latest known; empty before the first plan). */
  driftPct: Record<string, number>;
  breakers: Record<BreakerName, boolean>;
  paused: boolean;
}

/** The refusal when another instance holds the treasury lease: nothing is traded. */
export const BUSY_ELSEWHERE = "another instance is rebalancing right now; nothing was traded here. Try again in a minute.";
/** The refusal when this instance is already running a cycle, rebalance or approval. */
export const BUSY_HERE = "a rebalance is already running; nothing more was traded. Try again when it has finished.";

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
  /**
   * Observer (metrics): called with the current drift, breakers and pause flag after each cycle,
   * plan, pause, resume and breaker trip. Its errors are logged, never thrown.
   */
  onState?: (s: TreasuryObservation) => void;
}

const STATE_KEY = "treasury:state";
/** The loop's leadership: which instance's loop ticks. Its holder keeps it between ticks. */
const LEASE = "treasury-loop";
/**
 * Held for the whole of every run that can trade (scheduled cycle, manual rebalance, approval),
 * renewed while it lasts and released at its end: two instances never trade at once, and an idle
 * leader never blocks an admin's rebalance or Approve on another instance.
 */
const RUN_LEASE = "treasury-run";

/** One planned swap's result: the order it became, or why it never became one (failed, or halted before it ran). */
type SwapOutcome = { order: Order } | { swap: string; error: string; halted?: true };
const HUB = "USDC";
const today = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Holdings valued at current prices, with the allocation in percent of the total. */
interface Valuation {
  held: Array<{ token: Token; amount: bigint }>;
  prices: Record<string, number>;
  valueUsd: number;
  allocation: Record<string, number>;
}

const isBusy = (r: string) => r === BUSY_ELSEWHERE || r === BUSY_HERE;
const pctText = (v: number | undefined) => (v === undefined ? "-" : `${v.toFixed(2)}%`);
const usdText = (v: number) => `$${v.toFixed(2)}`;

/**
 * The treasury bot: keeps its wallet at the target allocation with hard limits in code. One loop
 * across all instances (a lease held for the whole of every cycle, rebalance and approval); state
 * (pause, breakers, turnover, pending approval) persisted; every swap goes through the trading
 * service's once-only execution. It has no transfer path at all: it can only swap inside its own wallet.
 */
export class TreasuryService implements TreasuryPort {
  private readonly owner: string;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private rejectedSeen = 0;
  /** True while this instance runs a cycle, rebalance or approval (holding the lease for all of it). */
  private active = false;
  /** True while this instance's loop holds the loop lease (it keeps it between ticks, and renews it during runs). */
  private leader = false;
  /** When the run lease was last taken or renewed (clock time), and whether a renewal found it gone. */
  private leaseAt = 0;
  private leaseLost = false;
  private renewing: Promise<boolean> | undefined;
  /** The latest known drift per asset (actual minus target, percentage points), for the observer. */
  private drift: Record<string, number> = {};

  constructor(private readonly d: TreasuryDeps) {
    this.owner = d.leaseOwner ?? `treasury-${randomBytes(4).toString("hex")}`;
  }

  get settings() {
    return this.d.settings;
  }

  private get leaseTtl(): number {
    return this.d.leaseTtlMs ?? 60_000;
  }

  async state(): Promise<TreasuryState> {
    return this.parse(await this.d.kv.get(STATE_KEY));
  }

  private parse(raw: string | undefined): TreasuryState {
    const s: TreasuryState = raw ? (JSON.parse(raw) as TreasuryState) : { paused: false, day: today(this.d.clock.now()), turnoverTodayUsd: 0, consecutiveFailures: 0, breakers: {}, history: [] };
    if (s.pending?.plan) s.pending.plan = revivePlan(s.pending.plan);
    return s;
  }

  /**
   * Reads, changes and writes the state atomically (compare-and-set, retried): a pause, resume or
   * reject never overwrites what a running cycle saved, and a cycle's save never loses a pause.
   */
  private async mutate(change: (current: TreasuryState) => TreasuryState): Promise<TreasuryState> {
    for (let attempt = 0; ; attempt++) {
      const raw = await this.d.kv.get(STATE_KEY);
      const next = change(this.parse(raw));
      next.history = next.history.slice(-50);
      const text = JSON.stringify(next, (_k, v: unknown) => (typeof v === "bigint" ? { $big: v.toString() } : v));
      if (await this.d.kv.compareAndSet(STATE_KEY, raw, text, this.d.clock.now())) return next;
      if (attempt >= 20) throw new Error("the treasury state kept changing under this write; try again");
    }
  }

  /**
   * Saves a cycle's state. The kill switch wins: a pause stored since the cycle read its state
   * (an admin's /treasury pause mid-cycle) is kept, never overwritten with a stale "running".
   */
  private async save(s: TreasuryState) {
    await this.mutate((cur) =>
      cur.paused && !s.paused ? { ...s, paused: true, ...(cur.pausedReason !== undefined ? { pausedReason: cur.pausedReason } : {}), breakers: { ...cur.breakers, ...s.breakers } } : { ...s },
    );
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

  /** Holdings at current prices; throws a clear error when any price is missing. */
  private async valuation(): Promise<Valuation> {
    const held = await this.holdings();
    const quotes = await this.d.market.getPrices(held.map((h) => h.token));
    const prices: Record<string, number> = {};
    for (const h of held) {
      const q = quotes.get(h.token.mint);
      if (q) prices[h.token.symbol] = q.usd;
    }
    const missing = held.filter((h) => prices[h.token.symbol] === undefined).map((h) => h.token.symbol);
    if (missing.length) throw new UserError("prices_unavailable", `No trustworthy price for ${missing.join(", ")}; the treasury will not plan on guesses.`);
    const values = held.map((h) => [h.token.symbol, unitsToUsd(h.amount, h.token.decimals, prices[h.token.symbol]!)] as const);
    const valueUsd = values.reduce((a, [, v]) => a + v, 0);
    const allocation = Object.fromEntries(values.map(([sym, v]) => [sym, valueUsd > 0 ? (v / valueUsd) * 100 : 0]));
    return { held, prices, valueUsd, allocation };
  }

  /** Current plan at current prices; throws a clear error when prices are not trustworthy. */
  async plan(remainingTurnover?: number): Promise<{ plan: RebalancePlan; valueUsd: number; prices: Record<string, number> }> {
    const { held, prices, valueUsd } = await this.valuation();
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
    this.setDrift(plan.before);
    this.observe(state);
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

  /**
   * Runs `work` holding the run lease for all of it, renewed every third of its TTL (with the loop
   * lease too when this instance leads the loop, so no other loop takes over mid-cycle). Every path
   * that can trade (scheduled cycle, manual rebalance, approval) goes through here, so two instances
   * never trade at once however long a run takes. Refuses without running `work` when this instance
   * is already running one, or another instance holds the run lease.
   */
  private async exclusive(work: () => Promise<string>): Promise<string> {
    if (this.active) return BUSY_HERE;
    this.active = true;
    let renewal: ReturnType<typeof setInterval> | undefined;
    try {
      if (!(await this.d.leases.acquire(RUN_LEASE, this.owner, this.leaseTtl))) return BUSY_ELSEWHERE;
      this.leaseAt = this.d.clock.now();
      this.leaseLost = false;
      renewal = setInterval(() => void this.renewLease(), Math.max(10, Math.floor(this.leaseTtl / 3)));
      renewal.unref?.();
      const run = work();
      this.running = run;
      return await run;
    } finally {
      if (renewal) {
        clearInterval(renewal);
        await this.renewing;
        await this.d.leases.release(RUN_LEASE, this.owner).catch((err: unknown) => this.d.log.warn({ err }, "treasury lease release failed"));
      }
      this.active = false;
    }
  }

  /**
   * Renews the lease held by the current run. False, and remembered for the rest of the run, once it
   * was lost: taken by another instance, or left unrenewed longer than its TTL (so another may have
   * held it meanwhile). A renewal that errors is false too, but a later one may still succeed.
   */
  private renewLease(): Promise<boolean> {
    this.renewing ??= this.tryRenew().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async tryRenew(): Promise<boolean> {
    if (this.leaseLost) return false;
    const now = this.d.clock.now();
    // The loop's leadership rides along (an error keeps it until the next tick decides).
    if (this.leader) this.leader = await this.d.leases.acquire(LEASE, this.owner, this.leaseTtl).catch(() => this.leader);
    try {
      if (now - this.leaseAt <= this.leaseTtl && (await this.d.leases.acquire(RUN_LEASE, this.owner, this.leaseTtl))) {
        this.leaseAt = now;
        return true;
      }
    } catch (err) {
      this.d.log.warn({ err }, "treasury lease renewal failed");
      return false;
    }
    this.leaseLost = true;
    this.d.log.error({ lease: RUN_LEASE, owner: this.owner }, "treasury lease lost mid-run: no further swaps in this run");
    return false;
  }

  /** One scheduled or manual cycle, holding the lease throughout. Returns what happened, in words. */
  async cycle(trigger: "schedule" | "manual" | "approved", force = false): Promise<string> {
    const r = await this.exclusive(() => this.runCycle(trigger, force));
    if (!isBusy(r)) this.observe(await this.state());
    return r;
  }

  private async runCycle(trigger: "schedule" | "manual" | "approved", force: boolean): Promise<string> {
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

  /** Executes the plan's swaps in order (only ever inside `exclusive`, holding the lease). */
  private async execute(state: TreasuryState, plan: RebalancePlan, trigger: string): Promise<string> {
    if (!this.active) throw new Error("treasury swaps run only while holding the treasury lease");
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
    let halted: string | undefined;
    let turnover = 0;
    for (const sw of plan.swaps) {
      const input = this.d.tokens.builtin(sw.from)!;
      const output = this.d.tokens.builtin(sw.to)!;
      // Before every swap: still holding the lease, and nobody pulled the kill switch meanwhile.
      if (!(await this.renewLease())) halted = "lost the treasury lease (another instance may be rebalancing)";
      else if ((await this.state()).paused) halted = "the treasury was paused";
      if (halted) {
        results.push({ swap: `${sw.from} -> ${sw.to}`, error: `not run: ${halted}`, halted: true });
        break;
      }
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
    // What the swaps really did: the holdings and prices now, not the plan's model.
    let after: Valuation | undefined;
    try {
      after = await this.valuation();
      this.setDrift(after.allocation);
    } catch (err) {
      this.d.log.warn({ err }, "treasury could not value its holdings after the swaps: the report shows the plan");
    }
    const orders = results.flatMap((r) => ("order" in r ? [r.order] : []));
    const fees = this.fees(orders, after?.prices);
    state.lastRunAt = now;
    state.turnoverTodayUsd += turnover;
    state.consecutiveFailures = failed ? state.consecutiveFailures + 1 : 0;
    state.pending = undefined;
    const filled = orders.filter((o) => o.status === "filled").length;
    const note = failed ? "partial: will re-plan" : halted ? `stopped: ${halted}` : "done";
    state.history.push({ at: now, trigger, swaps: plan.swaps.length, filled, failed, turnoverUsd: turnover, feesUsd: fees.usd, note });
    await this.save(state);
    await this.d.audit.record({ at: now, userId: this.d.userId, action: "treasury.rebalanced", detail: { trigger, swaps: plan.swaps.length, filled, failed, ...(halted ? { halted } : {}) } });
    await this.d.report(this.executionReport(plan, results, after, fees, turnover));
    if (state.consecutiveFailures >= s.maxConsecutiveFailures) return this.trip(state, "failures", `${state.consecutiveFailures} failed rebalances in a row`);
    if (state.turnoverTodayUsd >= s.maxDailyTurnoverUsd) return this.trip(state, "turnover", "daily turnover cap reached");
    if (halted) return `${filled}/${plan.swaps.length} swaps filled; stopped: ${halted}`;
    return `${filled}/${plan.swaps.length} swaps filled${failed ? "; stopped after a failure, will re-plan" : ""}`;
  }

  /**
   * Fees of the executed orders: actual where an order carries them (its network fee, feeLamports),
   * modelled (fee_bps of the notional) for orders that carry none, e.g. every paper order. The row's
   * label says which.
   */
  private fees(orders: Order[], prices: Record<string, number> | undefined): { usd: number; row: [string, string] } {
    const withFee = orders.filter((o) => o.feeLamports !== null);
    const executed = orders.filter((o) => o.feeLamports === null && (o.status === "filled" || o.status === "confirmed" || o.status === "signed" || o.status === "sent"));
    const bps = this.d.settings.feeBps;
    const modelled = executed.reduce((a, o) => a + (o.usdValue * bps) / 10_000, 0);
    const lamports = withFee.reduce((a, o) => a + (o.feeLamports ?? 0n), 0n);
    const solUsd = prices?.SOL;
    const actual = solUsd !== undefined ? unitsToUsd(lamports, 9, solUsd) : undefined;
    const sol = `${(Number(lamports) / 1e9).toFixed(6)} SOL${actual !== undefined ? ` (${usdText(actual)})` : ""}`;
    const usd = modelled + (actual ?? 0);
    if (!withFee.length && !executed.length) return { usd: 0, row: ["Fees", `${usdText(0)} (nothing executed)`] };
    if (!withFee.length) return { usd, row: [`Fees (modelled at ${bps} bps: these orders carry no fee)`, usdText(modelled)] };
    if (!executed.length) return { usd, row: ["Fees (actual: network fees of the orders)", sol] };
    return { usd, row: [`Fees (actual for ${withFee.length} orders, modelled at ${bps} bps for ${executed.length})`, `${sol} + ${usdText(modelled)}`] };
  }

  private async trip(state: TreasuryState, breaker: BreakerName, why: string): Promise<string> {
    const now = this.d.clock.now();
    state.breakers[breaker] = why;
    state.paused = true;
    state.pausedReason = `breaker: ${why}`;
    await this.save(state);
    await this.d.audit.record({ at: now, userId: this.d.userId, action: "treasury.breaker", detail: { breaker, why } });
    this.observe(state);
    await this.d.report({ title: `Treasury PAUSED: ${why}`, rows: [["Breaker", breaker], ["Resume", "/treasury resume (after checking)"]], before: {}, after: {} });
    return `paused by the ${breaker} breaker: ${why}`;
  }

  /** The kill switch: never waits for the lease (a running cycle stops before its next swap). */
  async pause(by: string): Promise<void> {
    const s = await this.mutate((cur) => ({ ...cur, paused: true, pausedReason: `paused by ${by}` }));
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.paused" });
    this.observe(s);
  }

  async resume(by: string): Promise<void> {
    const s = await this.mutate((cur) => {
      const next: TreasuryState = { ...cur, paused: false, breakers: {}, consecutiveFailures: 0 };
      delete next.pausedReason;
      return next;
    });
    this.rejectedSeen = this.d.market.rejected.deviation + this.d.market.rejected.stale + this.d.market.rejected.nan;
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.resumed" });
    this.observe(s);
  }

  /**
   * An admin's Approve: executes the pending plan once, if it has not expired, holding the lease for
   * all of it. When another run holds the lease nothing trades and the plan stays pending.
   */
  async approve(id: string, by: string): Promise<string> {
    const r = await this.exclusive(async () => {
      const s = await this.state();
      if (!s.pending || s.pending.id !== id) return "That plan is no longer pending.";
      if (this.d.clock.now() > s.pending.expiresAt) {
        await this.mutate((cur) => (cur.pending?.id === id ? { ...cur, pending: undefined } : cur));
        return "That plan expired; a fresh one comes with the next cycle.";
      }
      if (s.paused) return "The treasury is paused; resume it first.";
      const plan = s.pending.plan;
      // Cleared first (only if it is still this plan): a second Approve finds nothing.
      let mine = false;
      await this.mutate((cur) => {
        mine = cur.pending?.id === id;
        return mine ? { ...cur, pending: undefined } : cur;
      });
      if (!mine) return "That plan is no longer pending.";
      await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.approved", detail: { id } });
      return this.execute(await this.state(), plan, "approved");
    });
    if (!isBusy(r)) {
      this.observe(await this.state());
      return r;
    }
    const s = await this.state();
    if (!s.pending || s.pending.id !== id) return "That plan is no longer pending.";
    if (this.d.clock.now() > s.pending.expiresAt) return "That plan expired; a fresh one comes with the next cycle.";
    return `${r} The plan is still pending until ${new Date(s.pending.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC.`;
  }

  async reject(id: string, by: string): Promise<string> {
    let mine = false;
    await this.mutate((cur) => {
      mine = cur.pending?.id === id;
      return mine ? { ...cur, pending: undefined } : cur;
    });
    if (!mine) return "That plan is no longer pending.";
    await this.d.audit.record({ at: this.d.clock.now(), userId: by, action: "treasury.rejected", detail: { id } });
    return "Plan rejected; nothing was traded.";
  }

  /**
   * One loop step: takes or renews the loop lease (one treasury loop across all instances) and, when
   * the schedule says it is due, runs a cycle holding the run lease throughout. Null when another
   * instance leads the loop.
   */
  async tick(): Promise<string | null> {
    try {
      this.leader = await this.d.leases.acquire(LEASE, this.owner, this.leaseTtl);
    } catch (err) {
      this.leader = false;
      throw err;
    }
    if (!this.leader) return null;
    const state = await this.state();
    if (state.lastRunAt !== undefined && this.d.clock.now() < this.d.settings.nextRun(state.lastRunAt)) return "not due";
    const r = await this.cycle("schedule");
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
      this.timer = setTimeout(() => void loop(), Math.min(30_000, this.leaseTtl / 3));
      this.timer.unref?.();
    };
    this.timer = setTimeout(() => void loop(), 1000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    this.leader = false;
    await Promise.all([this.d.leases.release(LEASE, this.owner).catch(() => undefined), this.d.leases.release(RUN_LEASE, this.owner).catch(() => undefined)]);
  }

  private setDrift(allocation: Record<string, number>): void {
    this.drift = Object.fromEntries(Object.entries(this.d.settings.targets).map(([sym, target]) => [sym, (allocation[sym] ?? 0) - target]));
  }

  /** Tells the observer (metrics) the latest drift, the breakers and the pause flag. */
  private observe(state: TreasuryState): void {
    if (!this.d.onState) return;
    try {
      const breakers = Object.fromEntries(BREAKERS.map((b) => [b, Boolean(state.breakers[b])])) as Record<BreakerName, boolean>;
      this.d.onState({ driftPct: { ...this.drift }, breakers, paused: state.paused });
    } catch (err) {
      this.d.log.warn({ err }, "treasury observer failed");
    }
  }

  private planReport(plan: RebalancePlan, title: string): TreasuryReport {
    const rows: Array<[string, string]> = plan.swaps.map((s, i) => [`${i + 1}. ${s.from} -> ${s.to}`, `$${s.usd.toFixed(2)} (${s.reason})`]);
    rows.push(["Turnover", `$${plan.turnoverUsd.toFixed(2)}`], ["Modelled fees", `$${plan.feesUsd.toFixed(2)}`]);
    for (const b of plan.blocked) rows.push([`Blocked ${b.symbol}`, b.reason]);
    return { title, rows, before: plan.before, after: plan.after };
  }

  /**
   * What a run did: each swap (quoted vs executed), the allocation before and after per asset (after =
   * the real holdings at current prices; the plan's model only when they cannot be valued, and then
   * it says so), the turnover done, fees and slippage.
   */
  private executionReport(plan: RebalancePlan, outcomes: SwapOutcome[], after: Valuation | undefined, fees: { row: [string, string] }, turnover: number): TreasuryReport {
    const rows: Array<[string, string]> = outcomes.map((r, i) => {
      if (!("order" in r)) return [`${i + 1}. ${r.swap} ${r.halted ? "not run" : "failed"}`, r.error];
      const o = r.order;
      const q = unitsToUsd(o.quotedOut, o.output.decimals, 1);
      const got = o.filledOut !== null ? unitsToUsd(o.filledOut, o.output.decimals, 1) : 0;
      const slip = q > 0 && o.filledOut !== null ? ((q - got) / q) * 10_000 : 0;
      return [`${i + 1}. ${o.input.symbol} -> ${o.output.symbol}`, `${o.status}; quoted ${q.toFixed(6)} ${o.output.symbol}, got ${got.toFixed(6)} (${slip.toFixed(1)} bps)`];
    });
    const targets = this.d.settings.targets;
    const afterAlloc = after?.allocation ?? plan.after;
    const afterLabel = after ? "after" : "after (planned: holdings could not be valued)";
    for (const sym of Object.keys(targets)) rows.push([`${sym} before -> ${afterLabel}`, `${pctText(plan.before[sym])} -> ${pctText(afterAlloc[sym])} (target ${targets[sym]}%)`]);
    if (after) rows.push(["Value after", usdText(after.valueUsd)]);
    rows.push(["Turnover", `${usdText(turnover)} of ${usdText(plan.turnoverUsd)} planned`], fees.row);
    if (after) {
      let slippage = 0;
      for (const r of outcomes) {
        if (!("order" in r) || r.order.filledOut === null) continue;
        const p = after.prices[r.order.output.symbol];
        if (p !== undefined) slippage += unitsToUsd(r.order.quotedOut - r.order.filledOut, r.order.output.decimals, p);
      }
      rows.push(["Slippage (quoted vs executed)", usdText(slippage)]);
    }
    const stopped = outcomes.some((r) => !("order" in r)) || outcomes.some((r) => "order" in r && r.order.status !== "filled");
    return { title: stopped ? "Treasury rebalanced (partly: see below)" : "Treasury rebalanced", rows, before: plan.before, after: afterAlloc };
  }
}

function revivePlan(p: RebalancePlan): RebalancePlan {
  return { ...p, swaps: p.swaps.map((s) => ({ ...s, amountIn: BigInt((s.amountIn as unknown as { $big?: string }).$big ?? String(s.amountIn)) })) };
}
