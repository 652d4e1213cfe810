import type { ApproveResult, Busy, CycleResult, RejectResult, TickResult } from "./types.js";
import { haltText } from "./executor.js";

/**
 * Results in words, for the admin's reply and the logs. Callers branch on `kind`; these only say it.
 */

/** The refusal when another instance holds the run lease: nothing is traded. */
const BUSY_ELSEWHERE = "another instance is rebalancing right now; nothing was traded here. Try again in a minute.";
/** The refusal when this instance is already running a cycle, rebalance or approval. */
const BUSY_HERE = "a rebalance is already running; nothing more was traded. Try again when it has finished.";

export const busyText = (b: Busy): string => (b.where === "elsewhere" ? BUSY_ELSEWHERE : BUSY_HERE);

const utcMinute = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** A cycle's (or loop step's) result in words. */
export function cycleText(r: CycleResult | TickResult): string {
  switch (r.kind) {
    case "busy":
      return busyText(r);
    case "not_due":
      return "not due";
    case "paused":
      return `paused${r.reason ? ` (${r.reason})` : ""}`;
    case "cooling_down":
      return "cooling down";
    case "in_band":
      return "in band: nothing to do";
    case "blocked":
      return `blocked: ${r.blocked.map((b) => `${b.symbol} (${b.reason})`).join(", ")}`;
    case "dry_run":
      return `dry-run: ${r.swaps} swaps planned`;
    case "awaiting_approval":
      return `waiting for approval (${r.swaps} swaps)`;
    case "tripped":
      return `paused by the ${r.breaker} breaker: ${r.why}`;
    case "executed": {
      const filled = `${r.filled}/${r.planned} swaps filled`;
      if (r.halted) return `${filled}; stopped: ${haltText(r.halted)}`;
      return `${filled}${r.failed ? "; stopped after a failure, will re-plan" : ""}`;
    }
  }
}

/** An Approve's result in words. */
export function approvalText(r: ApproveResult): string {
  switch (r.kind) {
    case "gone":
      return "That plan is no longer pending.";
    case "expired":
      return "That plan expired; a fresh one comes with the next cycle.";
    case "paused":
      return "The treasury is paused; resume it first.";
    case "busy":
      return `${busyText(r)} The plan is still pending until ${utcMinute(r.expiresAt)}.`;
    default:
      return cycleText(r);
  }
}

export function rejectText(r: RejectResult): string {
  return r.kind === "rejected" ? "Plan rejected; nothing was traded." : "That plan is no longer pending.";
}
