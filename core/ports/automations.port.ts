import type { Automation, AutomationRequest, AutomationState } from "../domain/automation.js";
import type { OrderRisk } from "../domain/trade-risk.js";
import type { NewOutboxMessage } from "./alerts.port.js";

/**
 * A firing's progress. running: claimed by a worker (its lease) or waiting for a retry (nextTryAt);
 * filled, failed, skipped: final (the firing is handled).
 */
export type FiringStatus = "running" | "filled" | "failed" | "skipped";

/**
 * Firing n (1-based) of an automation: one row per (automationId, n), inserted once, so two
 * workers or a restart agree on who executes it. Attempt k of it places the order
 * `firingOrderId(automationId, n, k)`: one order per attempt, at most one filled per firing.
 */
export interface Firing {
  automationId: string;
  userId: string;
  n: number;
  status: FiringStatus;
  /** Attempts started so far (1 after the claim). */
  attempts: number;
  /** The order of the latest attempt, once it was previewed. */
  orderId: string | null;
  /** The price that fired it (null for a DCA), and when, on the market clock. */
  priceUsd: number | null;
  at: number;
  /** Wall clock: a running firing whose lease passed is taken over by another worker. */
  leaseUntil: number;
  /** Market clock: when the next attempt is due (null: none waiting). */
  nextTryAt: number | null;
  /** Why it failed or was skipped (user-facing text), or the last attempt's error. */
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

export type FiringPatch = Partial<Pick<Firing, "status" | "attempts" | "orderId" | "leaseUntil" | "nextTryAt" | "reason">>;

/** Changes to an automation made with a firing's outcome (in the same transaction). */
export interface AutomationPatch {
  state?: AutomationState;
  firings?: number;
  /** DCA: when the next firing is due (market clock); null: none. */
  nextAt?: number | null;
}

/** Stored automations and their firings (db/repositories/automations.repository.ts). */
export interface AutomationStore {
  /** A new automation: a draft (state "proposed", waiting for Confirm) or armed. */
  create(a: Automation, nextAt: number | null): Promise<void>;
  get(id: string): Promise<Automation | undefined>;
  /** The user's automations in these states, newest first. */
  byUser(userId: string, states: readonly AutomationState[]): Promise<Automation[]>;
  /** Every automation in these states (engine start-up). */
  byState(states: readonly AutomationState[]): Promise<Automation[]>;
  /** Automations changed at or after `since` (updatedAt, wall clock), for engines in other processes to sync. */
  changedSince(since: number): Promise<Automation[]>;
  /**
   * Confirm: in ONE step judged one caller at a time per user, moves a proposed draft to armed only
   * if the user's active (armed or paused) automations stay within `max`.
   */
  arm(id: string, userId: string, now: number, max: number): Promise<"armed" | "over_limit" | "not_proposed">;
  /** Compare-and-set of the state. */
  setState(id: string, from: readonly AutomationState[], to: AutomationState, now: number): Promise<boolean>;
  /** Every automation of the user in `from` moves to `to`; returns the ids moved. */
  setStateOfUser(userId: string, from: readonly AutomationState[], to: AutomationState, now: number): Promise<string[]>;
  /** Trailing stops armed on `mint`: high = max(high, value). Returns the ids raised. */
  raiseHigh(mint: string, high: number, now: number): Promise<string[]>;
  /** Armed DCAs due by `now` (market clock), oldest due first. */
  dueDca(now: number, limit: number): Promise<Automation[]>;

  /** Claims firing (automationId, n) by inserting it; false when it exists (another worker or an earlier run has it). */
  claimFiring(f: Firing): Promise<boolean>;
  getFiring(automationId: string, n: number): Promise<Firing | undefined>;
  /** The firings of one automation, in order. */
  firingsOf(automationId: string): Promise<Firing[]>;
  /**
   * Takes a running firing over (retry due, or a dead worker's lease passed): sets its lease only
   * if it is still running with the same attempts count and its lease has passed `now`. True for one caller.
   */
  takeFiring(automationId: string, n: number, attempts: number, now: number, leaseUntil: number): Promise<boolean>;
  /** Updates a running firing (an attempt's order, a renewed lease). */
  updateFiring(automationId: string, n: number, patch: FiringPatch, now: number): Promise<void>;
  /**
   * Ends a firing (filled, failed or skipped) or schedules its retry, and in the SAME transaction
   * applies the automation's change and enqueues the pushes. False when the firing was not running
   * with `attempts` (someone else finished it): nothing is written.
   */
  settleFiring(
    automationId: string,
    n: number,
    attempts: number,
    patch: FiringPatch,
    automation: AutomationPatch,
    pushes: readonly NewOutboxMessage[],
    now: number,
  ): Promise<boolean>;
  /** Running firings whose lease passed (wall clock `now`) or whose retry is due (market clock `marketNow`). */
  firingsDue(now: number, marketNow: number, limit: number): Promise<Firing[]>;
  /**
   * A user's failure streak: a failed firing adds one, a filled one resets it to 0. Returns the
   * streak after this outcome; atomic, so of two failures at once exactly one sees each value.
   */
  streak(userId: string, failed: boolean, now: number): Promise<number>;
}

/** A draft shown for Confirm: the automation (state "proposed") and what its preview says. */
export interface AutomationDraft {
  automation: Automation;
  /** Present price of the token when proposed (USD). */
  priceUsd: number;
  /** Worst case at execution: the caps every firing is held to. */
  /** expiresAt: when the automation itself ends (a DCA's `until`); null: armed until it fires or is cancelled. */
  worst: { maxSlippageBps: number; maxPriceImpactPct: number; maxTradeUsd: number; expiresAt: number | null };
  /** Wall clock: the draft's Confirm works until then (after it, Confirm answers automation_expired). */
  confirmBy: number;
  /** Approximate USD per firing (buys: the spend; sells: the holding's share now, when known). */
  usdPerFiring: number | null;
  mode: "paper" | "live";
  /**
   * TOKEN_SAFETY: the safety of the token it would receive, judged as a trade preview judges it (null:
   * nothing to say, or not checked). `ackRequired`: only "I understand the risks" arms it. Its transfer
   * fee's `units` are 0 (no amount is quoted yet).
   */
  risk: OrderRisk | null;
}

export type ConfirmAutomation =
  | { kind: "armed"; automation: Automation }
  | { kind: "already"; automation: Automation }
  | { kind: "cancelled"; automation: Automation };

/** The automations as the commands drive them. */
export interface AutomationsPort {
  /** Resolves and checks a parsed request, stores it as a draft, and returns its preview. Nothing is armed. */
  propose(userId: string, req: AutomationRequest, notify: Automation["notify"]): Promise<AutomationDraft>;
  /**
   * Confirm: arms the user's draft once (a second press answers "already"). A draft whose token needs
   * the acknowledgement (Automation.acknowledgedRisk) is refused with token_unsafe unless
   * `acknowledgeRisk` (the user pressed "I understand the risks"), and stays a draft.
   */
  confirm(userId: string, id: string, opts?: { acknowledgeRisk?: boolean }): Promise<ConfirmAutomation>;
  /** Cancel on a draft's preview. */
  discard(userId: string, id: string): Promise<Automation>;
  /** The user's automations (all but drafts), newest first. */
  list(userId: string): Promise<Automation[]>;
  /** Cancels one (false when it was not active). Throws automation_unknown for anyone else's. */
  cancel(userId: string, id: string): Promise<boolean>;
  cancelAll(userId: string): Promise<number>;
  /** The user's kill switch: every armed one paused / every paused one armed; how many moved. */
  pause(userId: string): Promise<number>;
  resume(userId: string): Promise<number>;
  /** Admins: the global kill switch (nothing fires anywhere while on). */
  pauseAll(by: string): Promise<void>;
  resumeAll(by: string): Promise<void>;
  globallyPaused(): Promise<boolean>;
}
