import { ackCodes, judgeRisk, needsAckFlag, netOfTransferFee, type OrderRisk, type RiskJudgement } from "../domain/trade-risk.js";
import type { SafetyFlagCode, SafetyReport, TokenSafetyPolicy } from "../domain/token-safety.js";
import type { Token } from "../domain/token.js";
import { UserError } from "../errors.js";
import type { Logger } from "../ports/logger.port.js";
import type { SwapQuote } from "../ports/trading.port.js";

/** TOKEN_SAFETY as trading uses it: the policy and the (cached, time-bounded) safety report of a mint. */
export interface TokenSafetyCheck {
  policy: TokenSafetyPolicy;
  report(mint: string): Promise<SafetyReport>;
}

/** The received token's judgement and its transfer fee (when the mint was read), or null when not checked. */
export interface ReceivedRisk {
  judgement: RiskJudgement;
  fee: { bps: number; maxFee: bigint } | undefined;
}

/**
 * The safety of the token a trade would give you. Not checked (null): no safety check is wired, the
 * token is built in (the bot's base assets: USDC and USDT keep a freeze authority by regulation), or it
 * is on the allowlist (the allowlist wins). Never throws: a check that fails is judged as unchecked.
 */
export async function receivedRisk(
  safety: TokenSafetyCheck | undefined,
  output: Token,
  allow: ReadonlySet<string> | null,
  log: Logger,
): Promise<ReceivedRisk | null> {
  if (!safety || output.builtin || allow?.has(output.mint)) return null;
  let report: SafetyReport | null = null;
  try {
    report = await safety.report(output.mint);
  } catch (err) {
    log.warn({ err, mint: output.mint }, "token safety check failed: judged as unchecked");
  }
  return { judgement: judgeRisk(output, report, safety.policy), fee: report?.facts.mint?.extensions.transferFee };
}

/** Whether the flags an automation's owner acknowledged when creating it cover this risk. */
function acknowledgedBy(risk: OrderRisk, codes: readonly SafetyFlagCode[] | undefined): boolean {
  if (!codes || risk.unchecked.length) return false;
  return ackCodes(risk).every((c) => codes.includes(c));
}

/**
 * Applies the judgement to a quote: refused under block (token_unsafe listing the flags); otherwise the
 * order's risk, and the quote's amounts net of the received token's transfer fee. An automation (no one
 * at the keyboard to acknowledge) never trades a token needing the acknowledgement unless its owner
 * acknowledged exactly these flags when creating it: the firing is refused with the reason, retryable
 * when the check only could not run.
 */
export function settleRisk(
  r: ReceivedRisk | null,
  quote: Pick<SwapQuote, "outAmount" | "minOutAmount">,
  placement: { automation?: unknown; acknowledgedRisk?: readonly SafetyFlagCode[] },
): { risk: OrderRisk | null; quotedOut: bigint; minOut: bigint } {
  const plain = { risk: null, quotedOut: quote.outAmount, minOut: quote.minOutAmount };
  if (!r) return plain;
  const j = r.judgement;
  if (j.kind === "refuse") throw new UserError("token_unsafe", j.message, { mint: j.risk.mint, flags: j.risk.flags.map((f) => f.code), unchecked: j.risk.unchecked });
  if (!j.risk) return plain;
  const flags = j.risk.flags.map((f) => f.code);
  const net = netOfTransferFee({ quotedOut: quote.outAmount, minOut: quote.minOutAmount }, r.fee);
  const risk: OrderRisk = { ...j.risk, transferFee: j.risk.transferFee ? { bps: j.risk.transferFee.bps, units: net.feeUnits } : null };
  if (risk.ackRequired && placement.automation) {
    if (!acknowledgedBy(risk, placement.acknowledgedRisk)) {
      const unchecked = risk.unchecked.length > 0;
      const acked = placement.acknowledgedRisk;
      // Acknowledged at creation: name only what appeared since (the owner saw and accepted the rest).
      const fresh = risk.flags.filter((f) => needsAckFlag(f) && !acked?.includes(f.code));
      const titles = (unchecked ? [] : acked ? fresh : risk.flags.filter(needsAckFlag)).map((f) => f.title.toLowerCase()).join("; ");
      const why = unchecked ? "its safety could not be checked right now" : acked ? `a new flag you did not acknowledge: ${titles}` : titles;
      throw new UserError("token_unsafe", `not traded: ${risk.symbol} is risky (${why}); automations never buy a flagged token without your acknowledgement`, {
        mint: risk.mint,
        flags,
        unchecked: risk.unchecked,
        retryable: unchecked,
      });
    }
    risk.acknowledged = true;
  }
  return { risk, quotedOut: net.quotedOut, minOut: net.minOut };
}
