import type { Automation, AutomationState } from "../../domain/automation.js";
import { dueAt } from "../../domain/automation-schedule.js";
import type { AutomationPatch } from "../../ports/automations.port.js";
import type { FiringOutcome } from "./events.js";

/**
 * What a final outcome of firing n does to its automation. A price trigger fires once: done (or
 * failed). A DCA moves on to its next buy (done after its last); a failed buy fails it.
 */
export function automationAfter(a: Automation, n: number, outcome: FiringOutcome["kind"]): AutomationPatch & { state: AutomationState } {
  if (outcome === "failed") return { state: "failed", firings: n, nextAt: null };
  if (a.rule.kind !== "dca") return { state: "done", firings: n, nextAt: null };
  const next = dueAt(a.rule, n + 1);
  return next === null ? { state: "done", firings: n, nextAt: null } : { state: "armed", firings: n, nextAt: next };
}

/** Failures in a row that pause all of a user's automations. */
export const STREAK_PAUSE = 3;

/** The wait before retry number `retry` (1-based): the first wait, doubling each time. */
export const retryWaitMs = (firstMs: number, retry: number) => firstMs * 2 ** Math.max(0, retry - 1);
