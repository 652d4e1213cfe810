import type { PriorityFeeLevel } from "../domain/user-settings.js";
import type { TxCheck } from "./trading.port.js";

/** One withdrawal transfer as Purser builds it: `amount` base units of `mint` (SOL: lamports) from `owner` to `to`. */
export interface WithdrawTransfer {
  /** The user's custodial wallet: fee payer, signer and source. */
  owner: string;
  /** The destination wallet (for a token: the owner of its associated token account). */
  to: string;
  /** The token's mint; the wrapped-SOL mint means native SOL (a System transfer). */
  mint: string;
  decimals: number;
  amount: bigint;
}

/** What a withdrawal will cost and whether it can be paid, read from the chain before the preview. */
export interface WithdrawPlan {
  /** The owner's balance of the token (SOL: lamports). */
  held: bigint;
  /** The owner's lamports (fees and rent are paid in SOL). */
  lamports: bigint;
  /** Base fee plus the priority fee the transfer will pay, exactly. */
  networkFeeLamports: bigint;
  /** Rent of the destination's token account when the transfer must create it (0: it exists, or SOL). */
  rentLamports: bigint;
  /** SOL only: lamports the destination holds now (0: a new account, which must receive at least the rent-exempt minimum). */
  destinationLamports: bigint;
  /** The rent-exempt minimum of a plain (0-byte) account: a SOL balance left in a wallet must be 0 or at least this. */
  rentExemptMinimum: bigint;
  /** A Token-2022 transfer fee in force this epoch (absent: none): the destination receives the amount minus it. */
  transferFee?: { bps: number; maxFee: bigint };
}

/**
 * Withdrawals on Solana: Purser builds the transfer itself (a System transfer, or an SPL / Token-2022
 * transferChecked that creates the destination's token account when it is missing), then inspects the
 * built bytes before anything is signed: the fee payer is the owner, only System, Token, Token-2022,
 * Associated Token and Compute Budget programs, exactly one transfer of exactly the amount to the
 * destination (or its token account), and a simulation that succeeds.
 */
export interface WithdrawChain {
  /** Balances and costs for a transfer of this token from `owner` to `to` (any amount). */
  plan(t: Omit<WithdrawTransfer, "amount">, priorityFee?: PriorityFeeLevel): Promise<WithdrawPlan>;
  /** An unsigned v0 transaction with the owner as fee payer, and its blockhash's last valid block height. */
  build(t: WithdrawTransfer, priorityFee?: PriorityFeeLevel): Promise<{ txBase64: string; lastValidBlockHeight: number }>;
  /** Refused (with the reason) unless the transaction is exactly this transfer; see the interface's rules. */
  inspect(txBase64: string, expect: WithdrawTransfer): Promise<TxCheck>;
}
