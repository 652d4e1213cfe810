import type { BlockedAsset, RebalancePlan } from "../../domain/rebalance.js";
import type { Order } from "../../domain/order.js";
import type { Token } from "../../domain/token.js";
import type { Wallet } from "../../ports/orders.port.js";

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

/** The breakers: each pauses the treasury until an admin resumes it. */
export type { BreakerName } from "../../domain/treasury-results.js";
import type { BreakerName } from "../../domain/treasury-results.js";
export const BREAKERS: readonly BreakerName[] = ["daily_loss", "failures", "prices", "turnover"];

/** What the treasury looks like now, for metrics: drift, breakers and the pause flag. */
export interface TreasuryObservation {
  /** Actual minus target allocation per asset, percentage points (the latest known; empty before the first plan). */
  driftPct: Record<string, number>;
  breakers: Record<BreakerName, boolean>;
  paused: boolean;
}

export type Trigger = "schedule" | "manual" | "approved";

export interface HistoryEntry {
  at: number;
  trigger: string;
  swaps: number;
  filled: number;
  failed: number;
  turnoverUsd: number;
  feesUsd: number;
  note: string;
}

/** The persisted state (one JSON value in the KV store). */
export interface TreasuryState {
  paused: boolean;
  pausedReason?: string;
  lastRunAt?: number;
  day: string;
  dayStartValueUsd?: number;
  turnoverTodayUsd: number;
  consecutiveFailures: number;
  /** Tripped breakers, each with why (in words, for the admins). */
  breakers: Partial<Record<BreakerName, string>>;
  pending?: { id: string; plan: RebalancePlan; expiresAt: number };
  history: HistoryEntry[];
}

// ---- results: what callers branch on (pure types, in core/domain so the treasury port can name them)
export type { ApproveResult, Busy, CycleResult, Executed, Halt, RejectResult, RunResult, TickResult, Tripped } from "../../domain/treasury-results.js";

// ---- report data: what a run tells the admins (rendered by report.ts) ------------------------

/** One planned swap's result: the order it became, or why it never became one (failed, or halted before it ran). */
export type SwapOutcome = { order: Order } | { swap: string; error: string; halted?: true };

/** Holdings valued at current prices, with the allocation in percent of the total. */
export interface Valuation {
  held: Array<{ token: Token; amount: bigint }>;
  prices: Record<string, number>;
  valueUsd: number;
  allocation: Record<string, number>;
}

/**
 * Fees of the executed orders: actual where an order carries them (its network fee), modelled
 * (fee_bps of the notional) for orders that carry none, e.g. every paper order.
 */
export interface FeeSummary {
  usd: number;
  bps: number;
  /** Orders that carry their network fee, and those lamports (with their USD value when SOL is priced). */
  actual: { orders: number; lamports: bigint; usd?: number };
  /** Executed orders with no fee of their own, and their modelled fees. */
  modelled: { orders: number; usd: number };
}

/** What the treasury reports to its admins: typed data, rendered to a Reply by report.ts. */
export type TreasuryEvent =
  | { kind: "dry_run"; plan: RebalancePlan }
  | { kind: "approval"; plan: RebalancePlan; id: string; expiresAt: number }
  | { kind: "rebalanced"; plan: RebalancePlan; outcomes: SwapOutcome[]; after?: Valuation; fees: FeeSummary; turnoverUsd: number }
  | { kind: "breaker"; breaker: BreakerName; why: string };
