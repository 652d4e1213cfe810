/**
 * Automations (issue 17): orders that act on their own once the user has confirmed them.
 *
 * Two stages, both plain data:
 * - `AutomationRequest`: what the user typed, parsed (automation-parse.ts). Tokens are still the
 *   words the user wrote and amounts are still decimal text, because decimals are only known once
 *   the service has resolved the token.
 * - `AutomationRule`: the resolved rule the user confirmed (automation-resolve.ts): token refs,
 *   amounts in base units (bigint), every level an absolute USD price (a "N% below" level is fixed
 *   at creation from the price then, and that origin kept for display).
 *
 * Pure: imports only core/domain.
 */

import type { Platform } from "./identity.js";
import type { AmountSpec } from "./money.js";
import type { TokenRef } from "./order.js";
import type { SafetyFlagCode } from "./token-safety.js";

export type AutomationKind = "limit-buy" | "limit-sell" | "stop" | "take-profit" | "trailing" | "dca";
export const AUTOMATION_KINDS: readonly AutomationKind[] = ["limit-buy", "limit-sell", "stop", "take-profit", "trailing", "dca"];

/**
 * proposed: a draft shown for Confirm (never watched, not listed, not counted); armed: watching;
 * paused: kept but not watching; done, cancelled, failed: final.
 */
export type AutomationState = "proposed" | "armed" | "paused" | "done" | "cancelled" | "failed";
export const ACTIVE_AUTOMATION_STATES: readonly AutomationState[] = ["armed", "paused"];
export const FINAL_AUTOMATION_STATES: readonly AutomationState[] = ["done", "cancelled", "failed"];

/** The quote token used when the user names no pay or receive token. */
export const DEFAULT_QUOTE = "USDC";

/** How much of the token to sell, as typed: an exact decimal amount (text until decimals are known), a share of the holding, or all. */
export type AmountText = { kind: "amount"; text: string } | { kind: "percent"; bps: number } | { kind: "all" };

/** A level as typed: an absolute USD price, or N% below / above the price when the automation is set. */
export type LevelSpec = { kind: "price"; usd: number } | { kind: "percent"; pct: number; side: "below" | "above" };

/** A level fixed at creation: `usd` is what triggers; `spec` and `refUsd` (the price at creation) say where it came from. */
export interface Level {
  usd: number;
  spec: LevelSpec;
  refUsd: number;
}

/** "until": a date, or a duration from creation ("for 7d"). */
export type UntilSpec = { kind: "at"; at: number } | { kind: "after"; ms: number };

/** Parsed, unresolved. `pay` / `receive` null means DEFAULT_QUOTE. */
export type AutomationRequest =
  | { kind: "limit-buy"; token: string; spend: string; pay: string | null; level: LevelSpec }
  | { kind: "limit-sell"; token: string; amount: AmountText; receive: string | null; level: LevelSpec }
  | { kind: "stop"; token: string; amount: AmountText; receive: string | null; level: LevelSpec }
  | { kind: "take-profit"; token: string; amount: AmountText; receive: string | null; level: LevelSpec }
  | { kind: "trailing"; token: string; trailPct: number; amount: AmountText; receive: string | null }
  | { kind: "dca"; token: string; spend: string; pay: string | null; everyMs: number; times: number | null; until: UntilSpec | null };

/** Sells a share of a holding when the price reaches a level. */
export interface LevelSell<K extends "limit-sell" | "stop" | "take-profit"> {
  kind: K;
  token: TokenRef;
  receive: TokenRef;
  amount: AmountSpec;
  level: Level;
}

/** Resolved and confirmed: what the engine watches and executes. */
export type AutomationRule =
  | { kind: "limit-buy"; token: TokenRef; pay: TokenRef; spend: bigint; level: Level }
  | LevelSell<"limit-sell">
  | LevelSell<"stop">
  | LevelSell<"take-profit">
  | {
      kind: "trailing";
      token: TokenRef;
      receive: TokenRef;
      amount: AmountSpec;
      /** Distance below the highest price seen, in percent (10 = sells after a 10% fall from the high). */
      trailPct: number;
      /** The price when set: the first high. */
      refUsd: number;
    }
  | {
      kind: "dca";
      token: TokenRef;
      pay: TokenRef;
      spend: bigint;
      /** First buy at startAt (creation), then one every everyMs, at most `times`, none after `until`. */
      startAt: number;
      everyMs: number;
      times: number | null;
      until: number | null;
    };

export type RuleOf<K extends AutomationKind> = Extract<AutomationRule, { kind: K }>;

/**
 * One automation as stored. `firings` counts firings handled so far (filled, failed for good or
 * skipped); firing number n (1-based) is the (n)th, and `firingKey(id, n)` is its idempotency key,
 * so two workers or a restart mid-execution place one order per firing.
 */
export interface Automation {
  id: string;
  userId: string;
  rule: AutomationRule;
  state: AutomationState;
  firings: number;
  /** Trailing stops: the highest confirmed price since set (persisted, so a restart keeps it); null otherwise. */
  high: number | null;
  createdAt: number;
  updatedAt: number;
  notify: { platform: Platform; chatId: string };
  /**
   * TOKEN_SAFETY=warn (issue 18): the token it would receive needed the "I understand the risks"
   * acknowledgement when it was proposed, and these are the flags (red, or always acknowledged) it
   * had then; empty when the check could not run. On a draft, the plain Confirm is refused and only the
   * acknowledgement arms it; armed, every firing passes these as acknowledged (a flag not among them
   * refuses the firing). Absent: nothing needed acknowledging.
   */
  acknowledgedRisk?: readonly SafetyFlagCode[];
}

/** The idempotency key of firing n of automation id: the same for every worker and after a restart. */
export const firingKey = (id: string, n: number): string => `auto:${id}:${n}`;

/** Automation ids: "a" and 8 lowercase letters or digits (short enough to type in /auto cancel). */
export const AUTOMATION_ID = /^a[a-z0-9]{8}$/;

/** Price triggers fire once; a DCA fires on its schedule (automation-schedule.ts). */
export const isPriceTrigger = (kind: AutomationKind): boolean => kind !== "dca";

export const isSell = (kind: AutomationKind): boolean => kind !== "limit-buy" && kind !== "dca";

/**
 * Stops and trailing stops protect a holding against a fall: they fire only on a price confirmed by
 * the next good tick (automation-trigger.ts), so one bad print does not dump a position. Limit
 * orders and take-profits fire on the first good tick past their level: for them a false trigger
 * is bounded by the fresh quote and slippage cap at execution, and waiting costs the fill.
 */
export const needsConfirmation = (kind: AutomationKind): boolean => kind === "stop" || kind === "trailing";

/** The sell amount of a rule that sells (undefined for buys). */
export function sellAmountOf(rule: AutomationRule): AmountSpec | undefined {
  return rule.kind === "limit-buy" || rule.kind === "dca" ? undefined : rule.amount;
}

/** Limits that keep a typo from becoming an order. */
export const AUTOMATION_LIMITS = Object.freeze({
  /** Largest absolute price level accepted, USD. */
  maxPriceUsd: 1e9,
  /** Smallest and largest "N% below" distance (stops, trailing stops, limit buys). */
  minBelowPct: 0.1,
  maxBelowPct: 99,
  /** Largest "N% above" distance (take-profits, limit sells). */
  maxAbovePct: 1000,
  /** DCA interval bounds: 1 hour to 30 days. */
  minEveryMs: 3_600_000,
  maxEveryMs: 30 * 86_400_000,
  maxTimes: 1000,
  /** How far ahead an "until" date may be. */
  maxUntilMs: 5 * 365 * 86_400_000,
});
