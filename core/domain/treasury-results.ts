/** Results of the treasury's runs, as callers (the /treasury command, the loop) branch on them. */
import type { BlockedAsset } from "./rebalance.js";

export type BreakerName = "daily_loss" | "failures" | "prices" | "turnover";


/** Refused: this instance is already running a trading run (here), or another instance is (elsewhere). */
export type Busy = { kind: "busy"; where: "here" | "elsewhere" };
/** Why a run stopped before its next swap. */
export type Halt = "lease_lost" | "paused";
/** A breaker tripped: the treasury is paused. */
export type Tripped = { kind: "tripped"; breaker: BreakerName; why: string };
/** Swaps ran: how many filled of the plan; `failed` (one failed, the rest not run) or `halted` (stopped before the next). */
export type Executed = { kind: "executed"; filled: number; planned: number; failed: boolean; halted?: Halt };
/** What executing a plan ends in: the swaps' result, or a breaker they tripped (failures, turnover). */
export type RunResult = Executed | Tripped;

/** One scheduled or manual cycle. */
export type CycleResult =
  | Busy
  | { kind: "paused"; reason?: string }
  | { kind: "cooling_down" }
  | { kind: "in_band" }
  | { kind: "blocked"; blocked: BlockedAsset[] }
  | { kind: "dry_run"; swaps: number }
  | { kind: "awaiting_approval"; id: string; swaps: number; expiresAt: number }
  | RunResult;

/** One loop step on the loop's leader: not due yet, or the cycle it ran. */
export type TickResult = { kind: "not_due" } | CycleResult;

/**
 * An admin's Approve. `gone` and `expired`: nothing to run. `paused` and `busy`: refused, the plan
 * stays pending until `expiresAt` (so it can be approved again). Otherwise the run's result.
 */
export type ApproveResult =
  | { kind: "gone" }
  | { kind: "expired" }
  | { kind: "paused"; expiresAt: number }
  | (Busy & { expiresAt: number })
  | RunResult;

export type RejectResult = { kind: "rejected" } | { kind: "gone" };
