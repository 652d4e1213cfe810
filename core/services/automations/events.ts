import type { Automation, AutomationState } from "../../domain/automation.js";
import type { Missed } from "../../domain/automation-schedule.js";
import type { Order } from "../../domain/order.js";

/** What a firing came to, as the user is told. */
export type FiringOutcome =
  | { kind: "filled"; order: Order; /** A sell larger than the holding sold what was held. */ capped: boolean }
  | { kind: "failed"; reason: string; order: Order | null }
  | { kind: "skipped"; reason: string };

/**
 * A firing of an automation ended: one push per firing (keyed `automation:<id>:<n>`), written to the
 * outbox in the same transaction as the firing's outcome, so it is sent exactly once.
 */
export interface AutomationFired {
  type: "automation.fired";
  /** The automation as it was when it fired. */
  automation: Automation;
  /** The firing number (1-based). */
  n: number;
  outcome: FiringOutcome;
  /** The good price that fired it (null for a DCA). */
  priceUsd: number | null;
  /** The automation's state after this firing (done, armed for the next DCA buy, failed). */
  state: AutomationState;
  /** One-cancels-other: the user's exits on the other side of the same holding, cancelled with this firing. */
  cancelled: readonly Automation[];
  /** Three failures in a row: how many of the user's automations were paused with this one (null: none). */
  pausedAll: number | null;
  /** DCA buys whose window passed while nothing ran (never made up in a burst). */
  missed: Missed | null;
  /** Wall-clock ms the cause arrived, for delivery latency. */
  receivedAt: number;
}

/** Every push automations make. */
export type AutomationEvent = AutomationFired;

export const automationPushKey = (e: AutomationFired) => `automation:${e.automation.id}:${e.n}`;
