import type { RebalancePlan } from "../domain/rebalance.js";
import type { ApproveResult, CycleResult, RejectResult } from "../domain/treasury-results.js";

/** What /treasury shows of the treasury's settings. */
export interface TreasuryView {
  mode: "dry-run" | "approve" | "auto";
  wallet: { kind: "paper" | "live" };
  /** Target allocation per symbol, percent. */
  targets: Record<string, number>;
  maxDailyTurnoverUsd: number;
}

/** What /treasury shows of the treasury's state, and what its approval buttons check. */
export interface TreasuryStatus {
  paused: boolean;
  pausedReason?: string;
  lastRunAt?: number;
  turnoverTodayUsd: number;
  /** Tripped breakers and why. */
  breakers: Partial<Record<string, string>>;
  pending?: { id: string; expiresAt: number };
  history: ReadonlyArray<{ at: number; trigger: string; swaps: number; filled: number; failed: number; turnoverUsd: number; feesUsd: number; note: string }>;
}

/**
 * The treasury as the /treasury command drives it (present when TREASURY_CONFIG is set). Results of
 * cycle, approve and reject are typed unions the command branches on (and turns into words).
 */
export interface TreasuryPort {
  readonly settings: TreasuryView;
  state(): Promise<TreasuryStatus>;
  /** The plan from current holdings and prices; trades nothing. */
  plan(): Promise<{ plan: RebalancePlan; valueUsd: number }>;
  /** An admin's confirmed rebalance: recomputed from fresh balances, run holding the treasury lease. */
  cycle(trigger: "approved", force: boolean): Promise<CycleResult>;
  approve(id: string, by: string): Promise<ApproveResult>;
  reject(id: string, by: string): Promise<RejectResult>;
  pause(by: string): Promise<void>;
  resume(by: string): Promise<void>;
}
