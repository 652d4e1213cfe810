/**
 * What the automation commands say: the preview of a draft, one line per automation in /auto, and the
 * next step to suggest beside an error. The words an automation shares with the engine's pushes
 * (kinds, states, amounts, levels) come from core/services/automations/describe.ts.
 */
import { formatDuration } from "../core/domain/alert.js";
import type { Automation, AutomationKind, AutomationRule, AutomationState } from "../core/domain/automation.js";
import { formatPct, formatPrice, formatUsd, formatUtc } from "../core/domain/format.js";
import { formatAmount } from "../core/domain/money.js";
import type { TokenRef } from "../core/domain/order.js";
import { bpsText } from "../core/domain/token-safety-flags.js";
import { riskLines } from "../core/domain/trade-risk.js";
import type { AutomationDraft } from "../core/ports/automations.port.js";
import { describeAcknowledged, describeAmount, describeLevel, STATE_NAME } from "../core/services/automations/index.js";

export const KIND_LABEL: Readonly<Record<AutomationKind, string>> = Object.freeze({
  "limit-buy": "Limit buy",
  "limit-sell": "Limit sell",
  stop: "Stop-loss",
  "take-profit": "Take-profit",
  trailing: "Trailing stop",
  dca: "DCA",
});

export const stateText = (s: AutomationState): string => STATE_NAME[s];

const units = (n: bigint, t: TokenRef) => `${formatAmount(n, t.decimals)} ${t.symbol}`;
const shareText = describeAmount;
const levelText = describeLevel;

/** What it does, in one phrase: "sell all of your SOL for USDC", "buy SOL with 100 USDC". */
export function whatText(r: AutomationRule): string {
  switch (r.kind) {
    case "limit-buy":
    case "dca":
      return `buy ${r.token.symbol} with ${units(r.spend, r.pay)}`;
    default:
      return `sell ${shareText(r.amount, r.token)} for ${r.receive.symbol}`;
  }
}

/** When it fires, in one phrase. `high`: a trailing stop's highest price so far. */
export function whenText(r: AutomationRule, high: number | null = null): string {
  switch (r.kind) {
    case "limit-buy":
    case "stop":
      return `when ${r.token.symbol} is at or below ${levelText(r.level)}`;
    case "limit-sell":
    case "take-profit":
      return `when ${r.token.symbol} is at or above ${levelText(r.level)}`;
    case "trailing": {
      const top = high ?? r.refUsd;
      return `when ${r.token.symbol} falls ${r.trailPct}% from its highest price since set (high ${formatPrice(top)}: fires at ${formatPrice(top * (1 - r.trailPct / 100))} or below, rising with the high)`;
    }
    case "dca": {
      const parts = [`every ${formatDuration(r.everyMs)}, the first right after Confirm`];
      if (r.times !== null) parts.push(`${r.times} time${r.times === 1 ? "" : "s"}`);
      if (r.until !== null) parts.push(`until ${formatUtc(r.until)}`);
      return parts.join(", ");
    }
  }
}

/** Why a stop waits for a second good price; the others fire on the first good tick past their level. */
function confirmationNote(kind: AutomationKind): string | undefined {
  if (kind === "stop" || kind === "trailing") return "a stop fires only on a price confirmed by the next good tick, so one bad print does not sell";
  return undefined;
}

/** "~$100.00 per firing", and for a DCA with a count, the total. */
function howMuch(d: AutomationDraft): string {
  const r = d.automation.rule;
  const per = d.usdPerFiring === null ? "" : ` (~${formatUsd(d.usdPerFiring)})`;
  if (r.kind === "dca") {
    const total = r.times === null ? "" : `; ${r.times} buys: ${units(r.spend * BigInt(r.times), r.pay)} in all`;
    return `${units(r.spend, r.pay)} per buy${per}${total}`;
  }
  if (r.kind === "limit-buy") return `${units(r.spend, r.pay)}${per}`;
  return `${shareText(r.amount, r.token)} at the time it fires${per}; never more than you hold`;
}

/** The rows of a draft's preview: what, when, how much, and the worst case every firing is held to. */
export function draftRows(d: AutomationDraft, now: number): Array<[string, string]> {
  const a = d.automation;
  const rows: Array<[string, string]> = [
    ["What", whatText(a.rule)],
    ["Fires", whenText(a.rule, a.high)],
    ["How much", howMuch(d)],
    [`${a.rule.token.symbol} now`, formatPrice(d.priceUsd)],
    ["Max slippage", `${(d.worst.maxSlippageBps / 100).toFixed(2)}%`],
    ["Max price impact", formatPct(d.worst.maxPriceImpactPct).replace(/^\+/, "")],
    ["Per firing", `at most ${formatUsd(d.worst.maxTradeUsd)} (MAX_TRADE_USD)`],
  ];
  const note = confirmationNote(a.rule.kind);
  if (note) rows.push(["Confirmation", note]);
  rows.push(["Expires", d.worst.expiresAt === null ? "never: armed until it fires or you cancel it" : formatUtc(d.worst.expiresAt)]);
  const mins = Math.max(0, Math.round((d.confirmBy - now) / 60_000));
  rows.push(["Confirm within", `${mins} min (${formatUtc(d.confirmBy).slice(11)}); after that this draft expires`]);
  rows.push(["Mode", d.mode === "paper" ? "paper (simulated)" : "LIVE"]);
  return rows;
}

/** The acknowledged flags in words: "freeze authority; permanent delegate", or that the check could not run. */
export const ackText = describeAcknowledged;

/**
 * The draft's lines about the token it would receive: the trade preview's (flags, what is unchecked, what
 * Confirm needs), with the transfer fee as a rate (no amount is quoted until it fires).
 */
export function draftRiskLines(d: AutomationDraft): string[] {
  const r = d.risk;
  if (!r) return [];
  const received = "receive" in d.automation.rule ? d.automation.rule.receive : d.automation.rule.token;
  const lines = riskLines({ risk: { ...r, transferFee: null }, output: received });
  if (r.transferFee) lines.splice(lines.length - (r.ackRequired ? 1 : 0), 0, `Transfer fee: ${bpsText(r.transferFee.bps)} of what each firing receives is taken on the way in`);
  return lines;
}

/** One row of /auto: id, then kind, what, when, state and firings; marked when its token's risk was acknowledged. */
export function listRow(a: Automation): [string, string] {
  const r = a.rule;
  const firings = r.kind === "dca" && r.times !== null ? `${a.firings}/${r.times} buys` : `${a.firings} firing${a.firings === 1 ? "" : "s"}`;
  const risk = a.acknowledgedRisk ? ` [risk acknowledged: ${ackText(a.acknowledgedRisk)}]` : "";
  return [a.id, `${KIND_LABEL[r.kind]}: ${whatText(r)} ${whenText(r, a.high)} - ${stateText(a.state)}, ${firings}${risk}`];
}
