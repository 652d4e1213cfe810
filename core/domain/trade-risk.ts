/**
 * TOKEN_SAFETY applied to a trade (issue 18): the safety of the token you would RECEIVE, judged at
 * preview and carried on the order, so Confirm can insist on an explicit "I understand the risks".
 *
 * - warn (default): any red flag, or a check that could not run ("safety unchecked"), makes the order
 *   need the acknowledgement; Confirm without it is refused (token_unsafe). Warnings are shown only.
 * - block: the same orders are refused at preview (token_unsafe listing the flags); a check that
 *   could not run is refused too (fail closed).
 * Freeze authority and permanent delegate always need at least the acknowledgement.
 *
 * Pure: imports only core/domain.
 */
import { formatAmount } from "./money.js";
import { transferFeeOn } from "./token-safety-flags.js";
import type { SafetyFlag, SafetyFlagCode, SafetyReport, TokenSafetyPolicy } from "./token-safety.js";

/** The label of the button that confirms an order needing the acknowledgement. */
export const RISK_ACK_LABEL = "I understand the risks";

/** Flags that need the acknowledgement whatever their severity says. */
export const ALWAYS_ACK: ReadonlySet<SafetyFlagCode> = new Set<SafetyFlagCode>(["freeze_authority", "permanent_delegate"]);

const PART_TEXT: Record<SafetyReport["missing"][number], string> = { mint: "mint and freeze authorities, extensions", holders: "holder concentration", age: "token age" };

/** The received token's safety as the order carries it. */
export interface OrderRisk {
  /** The token received, whose safety was judged. */
  mint: string;
  symbol: string;
  /** Its red and warning flags, red first. */
  flags: SafetyFlag[];
  /** Checks that could not run (an RPC failure): the token's safety is partly or wholly unchecked. */
  unchecked: SafetyReport["missing"];
  /** Confirm needs the explicit "I understand the risks". */
  ackRequired: boolean;
  /** Acknowledged already (an automation whose owner acknowledged these flags when creating it). */
  acknowledged: boolean;
  /** Token-2022 transfer fee taken from what you receive: already out of quotedOut and minOut. */
  transferFee: { bps: number; units: bigint } | null;
}

/** A flag that needs the acknowledgement: red, or one always acknowledged. */
export const needsAckFlag = (f: SafetyFlag): boolean => f.severity === "red" || ALWAYS_ACK.has(f.code);

/** The codes of the risk's flags that need the acknowledgement (what an automation's owner acknowledges). */
export const ackCodes = (r: OrderRisk): SafetyFlagCode[] => r.flags.filter(needsAckFlag).map((f) => f.code);

export type RiskJudgement = { kind: "pass"; risk: OrderRisk | null } | { kind: "refuse"; message: string; risk: OrderRisk };

/** One flag in a line: "Freeze authority present: the issuer can freeze your tokens so you cannot sell". */
export const flagLine = (f: SafetyFlag) => `${f.severity === "red" ? "RED" : f.severity === "warn" ? "WARN" : "INFO"} ${f.title}: ${f.meaning}`;

/** "safety unchecked (holder concentration, token age)". */
export const uncheckedText = (parts: SafetyReport["missing"]) => `safety unchecked (${parts.map((p) => PART_TEXT[p]).join(", ")}): the check could not run`;

/**
 * Judges the token received. `report` null: the check itself failed (RPC down): unchecked in every part.
 * Returns the risk the order carries (null when there is nothing to say) or the refusal under block.
 */
export function judgeRisk(token: { mint: string; symbol: string }, report: SafetyReport | null, policy: TokenSafetyPolicy): RiskJudgement {
  const flags = report ? report.flags.filter((f) => f.severity !== "info") : [];
  const unchecked: SafetyReport["missing"] = report ? report.missing : ["mint", "holders", "age"];
  const ackRequired = unchecked.length > 0 || flags.some((f) => f.severity === "red" || ALWAYS_ACK.has(f.code));
  const fee = report?.facts.mint?.extensions.transferFee;
  const risk: OrderRisk = {
    mint: token.mint,
    symbol: token.symbol,
    flags,
    unchecked,
    ackRequired,
    acknowledged: false,
    transferFee: fee && fee.bps > 0 ? { bps: fee.bps, units: 0n } : null,
  };
  if (ackRequired && policy === "block") return { kind: "refuse", message: refusalText(risk), risk };
  return { kind: "pass", risk: flags.length || ackRequired || risk.transferFee ? risk : null };
}

/** What block mode says: the token and every reason, plainly. */
export function refusalText(r: OrderRisk): string {
  const reasons = [...r.flags.filter((f) => f.severity === "red" || ALWAYS_ACK.has(f.code)).map((f) => `${f.title}: ${f.meaning}`)];
  if (r.unchecked.length) reasons.push(uncheckedText(r.unchecked));
  return `Buying ${r.symbol} is blocked on this bot (TOKEN_SAFETY=block):\n- ${reasons.join("\n- ")}`;
}

/** What Confirm without the acknowledgement says. */
export function ackNeededText(r: OrderRisk): string {
  const what = r.flags.filter((f) => f.severity === "red" || ALWAYS_ACK.has(f.code)).map((f) => f.title.toLowerCase());
  if (r.unchecked.length) what.push("its safety could not be checked");
  return `${r.symbol} is risky (${what.join("; ")}). Nothing was traded: press "${RISK_ACK_LABEL}" on the preview to go ahead anyway.`;
}

/** True when this order may not be confirmed without the explicit acknowledgement. */
export const needsRiskAck = (o: { risk?: OrderRisk | null }): boolean => !!o.risk && o.risk.ackRequired && !o.risk.acknowledged;

/**
 * Takes the received token's transfer fee out of the quote's amounts (the route's numbers are what it
 * sends; you get that minus the Token-2022 fee). Returns the amounts and the fee on the expected amount.
 */
export function netOfTransferFee(
  amounts: { quotedOut: bigint; minOut: bigint },
  fee: { bps: number; maxFee: bigint } | undefined,
): { quotedOut: bigint; minOut: bigint; feeUnits: bigint } {
  const feeUnits = transferFeeOn(amounts.quotedOut, fee);
  return { quotedOut: amounts.quotedOut - feeUnits, minOut: amounts.minOut - transferFeeOn(amounts.minOut, fee), feeUnits };
}

/**
 * The preview's lines about the token received (for every front end): the flags, what is unchecked, the
 * transfer fee taken from "Receive", and what Confirm needs. Empty when the order carries no risk.
 */
export function riskLines(o: { risk?: OrderRisk | null; output: { symbol: string; decimals: number } }): string[] {
  const r = o.risk;
  if (!r) return [];
  const lines = r.flags.map(flagLine);
  if (r.unchecked.length) lines.push(`UNCHECKED ${uncheckedText(r.unchecked)}`);
  if (r.transferFee) {
    lines.push(`Transfer fee: ${formatAmount(r.transferFee.units, o.output.decimals)} ${o.output.symbol} (${Number((r.transferFee.bps / 100).toFixed(2))}%) is already taken out of "Receive" and "Minimum"`);
  }
  if (needsRiskAck(o)) lines.push(`Confirm needs "${RISK_ACK_LABEL}".`);
  return lines;
}
