/**
 * The one place that words an automation, its rule and a firing's outcome for users: /auto lists,
 * previews, confirmations and the outcome pushes all read the same sentences.
 */

import { formatDuration } from "../../domain/alert.js";
import type { Automation, AutomationKind, AutomationRule, AutomationState, Level } from "../../domain/automation.js";
import { formatPrice, formatUsd, formatUtc } from "../../domain/format.js";
import type { Reply } from "../../domain/message.js";
import { formatAmount, type AmountSpec } from "../../domain/money.js";
import type { SafetyFlagCode } from "../../domain/token-safety.js";
import { fillRows } from "../trade-format.js";
import type { AutomationFired } from "./events.js";

export const KIND_NAME: Record<AutomationKind, string> = {
  "limit-buy": "limit buy",
  "limit-sell": "limit sell",
  stop: "stop-loss",
  "take-profit": "take-profit",
  trailing: "trailing stop",
  dca: "DCA",
};

/** Flags an automation's owner acknowledged, in words: "freeze authority; permanent delegate" ([]: the check could not run). */
export const describeAcknowledged = (codes: readonly SafetyFlagCode[]): string => (codes.length ? codes.map((c) => c.replace(/_/g, " ")).join("; ") : "safety unchecked");

export const STATE_NAME: Record<AutomationState, string> = {
  proposed: "waiting for Confirm",
  armed: "armed",
  paused: "paused",
  done: "done",
  cancelled: "cancelled",
  failed: "failed",
};

const units = (u: bigint, t: { decimals: number; symbol: string }) => `${formatAmount(u, t.decimals)} ${t.symbol}`;

/** "all of your SOL", "50% of your SOL", "2 SOL". */
export function describeAmount(a: AmountSpec, t: { decimals: number; symbol: string }): string {
  if (a.kind === "all") return `all of your ${t.symbol}`;
  if (a.kind === "percent") return `${a.bps / 100}% of your ${t.symbol}`;
  return units(a.units, t);
}

/** "$205", or "$190 (5% below $200 when set)". */
export function describeLevel(l: Level): string {
  if (l.spec.kind === "price") return formatPrice(l.usd);
  return `${formatPrice(l.usd)} (${l.spec.pct}% ${l.spec.side} ${formatPrice(l.refUsd)} when set)`;
}

/** The rule in one sentence: what it does and when. */
export function describeRule(rule: AutomationRule): string {
  switch (rule.kind) {
    case "limit-buy":
      return `buy ${rule.token.symbol} with ${units(rule.spend, rule.pay)} when the price is at or below ${describeLevel(rule.level)}`;
    case "limit-sell":
      return `sell ${describeAmount(rule.amount, rule.token)} for ${rule.receive.symbol} when the price is at or above ${describeLevel(rule.level)}`;
    case "stop":
      return `stop-loss: sell ${describeAmount(rule.amount, rule.token)} for ${rule.receive.symbol} when the price is at or below ${describeLevel(rule.level)} (confirmed by the next price)`;
    case "take-profit":
      return `take profit: sell ${describeAmount(rule.amount, rule.token)} for ${rule.receive.symbol} when the price is at or above ${describeLevel(rule.level)}`;
    case "trailing":
      return `trailing stop: sell ${describeAmount(rule.amount, rule.token)} for ${rule.receive.symbol} when the price falls ${rule.trailPct}% from its highest since set (${formatPrice(rule.refUsd)} then; confirmed by the next price)`;
    case "dca": {
      const limits = [rule.times !== null ? `${rule.times} times` : "", rule.until !== null ? `until ${formatUtc(rule.until)}` : ""].filter(Boolean);
      return `buy ${rule.token.symbol} with ${units(rule.spend, rule.pay)} every ${formatDuration(rule.everyMs)}${limits.length ? `, ${limits.join(", ")}` : ", until cancelled"}`;
    }
  }
}

/** One line of /auto: id, kind, rule, state, firings so far (and a trailing stop's high). */
export function describeAutomation(a: Automation): string {
  const high = a.rule.kind === "trailing" && a.high !== null ? `, high ${formatPrice(a.high)}` : "";
  const fired = a.firings ? `, fired ${a.firings}${a.rule.kind === "dca" && a.rule.times !== null ? `/${a.rule.times}` : ""}` : "";
  return `${a.id} ${KIND_NAME[a.rule.kind]}: ${describeRule(a.rule)} [${STATE_NAME[a.state]}${fired}${high}]`;
}

function outcomeTitle(e: AutomationFired): string {
  const what = `${KIND_NAME[e.automation.rule.kind]} ${e.automation.id}`;
  const at = e.priceUsd !== null ? ` at ${formatPrice(e.priceUsd)}` : e.automation.rule.kind === "dca" ? ` (buy ${e.n})` : "";
  switch (e.outcome.kind) {
    case "filled":
      return `Automation filled: ${what}${at}`;
    case "failed":
      return `Automation failed: ${what}${at}`;
    case "skipped":
      return `Automation skipped: ${what}${at}`;
  }
}

/** What happens next, in words. */
function afterwards(e: AutomationFired): string {
  if (e.state === "failed") return "It is marked failed and will not fire again.";
  if (e.state === "done") return e.automation.rule.kind === "dca" ? "That was its last buy: it is done." : "It is done.";
  if (e.state === "armed" && e.automation.rule.kind === "dca") return "The next buy runs on schedule.";
  return `It is ${STATE_NAME[e.state]}.`;
}

/** The push a user gets for a firing: filled (with the fill), failed with the reason, skipped with the reason. */
export function describeOutcome(e: AutomationFired, explorerTx?: (sig: string) => string): Reply {
  const o = e.outcome;
  const blocks: Reply["blocks"] = [{ type: "text", spans: [{ text: outcomeTitle(e), style: "bold" }] }];
  blocks.push({ type: "text", spans: [describeRule(e.automation.rule)] });
  if (o.kind === "filled") {
    blocks.push({ type: "table", rows: fillRows(o.order, explorerTx) });
    if (o.capped) blocks.push({ type: "text", spans: ["You held less than the amount set, so it sold what you held."] });
  } else blocks.push({ type: "text", spans: [`Why: ${o.reason}`] });
  if (e.missed) {
    const n = e.missed.to - e.missed.from + 1;
    blocks.push({ type: "text", spans: [`${n} earlier buy${n === 1 ? "" : "s"} (${e.missed.from}${n > 1 ? `-${e.missed.to}` : ""}) missed while Purser was not running; they are not made up.`] });
  }
  for (const c of e.cancelled) {
    blocks.push({ type: "text", spans: [`One-cancels-other: your ${KIND_NAME[c.rule.kind]} ${c.id} on the same ${c.rule.token.symbol} is cancelled.`] });
  }
  blocks.push({ type: "text", spans: [afterwards(e)] });
  if (e.pausedAll !== null) {
    blocks.push({
      type: "text",
      spans: [{ text: `Three automations in a row failed, so all your automations are paused (${e.pausedAll} paused). Check /auto, then /auto resume.`, style: "bold" }],
    });
  }
  return { kind: o.kind === "filled" ? "success" : "warning", blocks, private: true };
}
