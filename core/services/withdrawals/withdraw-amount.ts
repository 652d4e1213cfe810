import { formatAmount, parseAmount } from "../../domain/money.js";
import type { Token } from "../../domain/token.js";
import { UserError } from "../../errors.js";
import type { WithdrawPlan } from "../../ports/withdraw-tx.port.js";
import { SOL_MINT } from "../trading-types.js";

/** What the amount is judged against: the paper book's position, or the wallet on Solana with the transfer's costs. */
export type Balances = { live: false; held: bigint } | { live: true; plan: WithdrawPlan };

const sol = (lamports: bigint) => `${formatAmount(lamports, 9)} SOL`;

/**
 * The exact amount a withdrawal sends, in base units. A typed amount is a plain positive decimal within
 * the token's decimals (parseAmount refuses negative, zero, garbage, too precise, beyond u64). "all" is
 * the whole balance; for SOL in live mode, the whole balance minus the network fee (the wallet is left
 * empty, which Solana allows). The wallet must pay the fee (and the destination's token-account rent)
 * in SOL, and a SOL balance left behind must be 0 or at least the rent-exempt minimum.
 */
export function amountToSend(asked: string | "all", token: Token, b: Balances): bigint {
  const isSol = token.mint === SOL_MINT;
  const where = b.live ? "in your wallet" : "in your paper account";
  const held = b.live ? b.plan.held : b.held;
  let amount: bigint;
  if (asked === "all") {
    amount = b.live && isSol ? held - b.plan.networkFeeLamports : held;
    if (amount <= 0n) throw new UserError("insufficient_balance", `You have no ${token.symbol} ${where} to withdraw${b.live && isSol ? " beyond the network fee" : ""}.`);
  } else {
    amount = parseAmount(asked, token.decimals, token.symbol);
  }
  if (amount > held) {
    throw new UserError("insufficient_balance", `You have ${formatAmount(held, token.decimals)} ${token.symbol} ${where}; that withdrawal needs ${formatAmount(amount, token.decimals)}.`);
  }
  if (!b.live) return amount;
  const p = b.plan;
  const solOut = p.networkFeeLamports + p.rentLamports + (isSol ? amount : 0n);
  if (solOut > p.lamports) {
    if (isSol) throw new UserError("insufficient_balance", `Sending ${sol(amount)} also costs a ${sol(p.networkFeeLamports)} network fee: at most ${sol(p.lamports > p.networkFeeLamports ? p.lamports - p.networkFeeLamports : 0n)} can go (or say "all").`);
    throw new UserError("insufficient_balance", `This withdrawal costs ${sol(p.networkFeeLamports + p.rentLamports)} in fees${p.rentLamports ? " and the destination's token account" : ""}; your wallet has ${sol(p.lamports)}.`);
  }
  const left = p.lamports - solOut;
  if (left > 0n && left < p.rentExemptMinimum) {
    const most = p.lamports - p.networkFeeLamports - p.rentLamports - p.rentExemptMinimum;
    throw new UserError(
      "insufficient_balance",
      `That would leave ${sol(left)} in your wallet, less than the ${sol(p.rentExemptMinimum)} a Solana account must keep. ` +
        (isSol ? `Withdraw "all", or at most ${sol(most > 0n ? most : 0n)}.` : "Add a little SOL first."),
    );
  }
  if (isSol && p.destinationLamports === 0n && amount < p.rentExemptMinimum) {
    throw new UserError("bad_amount", `That address holds no SOL yet: it must receive at least ${sol(p.rentExemptMinimum)}.`);
  }
  return amount;
}
