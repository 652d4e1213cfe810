import type { PriorityFeeLevel } from "../domain/user-settings.js";
import type { Platform } from "../domain/identity.js";
import type { AmountSpec } from "../domain/money.js";
import type { Order, RouteFee } from "../domain/order.js";
import type { Token } from "../domain/token.js";
import type { RiskJudgement } from "../domain/trade-risk.js";

/**
 * A swap quote, parsed once by its provider into typed values; `raw` is the provider's own answer, kept
 * opaque so the same response builds the swap (core never reads it). Amounts in base units.
 */
export interface SwapQuote {
  inputMint: string;
  outputMint: string;
  inAmount: bigint;
  outAmount: bigint;
  /** Minimum received after slippage (Jupiter's otherAmountThreshold). */
  minOutAmount: bigint;
  slippageBps: number;
  priceImpactPct: number;
  route: string[];
  /** Total route fees per fee mint (empty: none charged); null when the quote tells nothing about fees. */
  fees: RouteFee[] | null;
  /** A simulated quote (offline, replayed prices): labelled so, and never executed. Absent: a real quote. */
  simulated?: boolean;
  raw: unknown;
}

export interface SwapRequest {
  inputMint: string;
  outputMint: string;
  amount: bigint;
  slippageBps: number;
}

/** How a swap is built for the user: their priority-fee level (already within the operator's cap). */
export interface SwapBuildOptions {
  priorityFee?: PriorityFeeLevel;
}

export interface SwapProvider {
  quote(req: SwapRequest): Promise<SwapQuote>;
  /** Unsigned v0 transaction for `user` as fee payer. */
  buildSwap(quote: SwapQuote, userPublicKey: string, opts?: SwapBuildOptions): Promise<{ txBase64: string; lastValidBlockHeight: number }>;
}

export interface TokenBalance {
  mint: string;
  amount: bigint;
  decimals: number;
  program: "token" | "token-2022";
}

export type SignatureState =
  | { state: "landed"; ok: boolean; error?: string }
  | { state: "pending" }
  | { state: "unknown" };

export interface ExecutedAmounts {
  ok: boolean;
  error?: string;
  /** Net change of the owner's balances (base units; negative = spent), wrapped SOL folded into SOL. */
  deltas: Map<string, bigint>;
  feeLamports: bigint;
}

/** Solana, as the trading service needs it. */
export interface Chain {
  balances(owner: string): Promise<{ lamports: bigint; tokens: TokenBalance[] }>;
  /** Checks a swap transaction before anything is signed: see TxCheck. */
  inspect(txBase64: string, expect: TxExpectation): Promise<TxCheck>;
  send(signedTxBase64: string): Promise<string>;
  status(signature: string, searchHistory: boolean): Promise<SignatureState>;
  blockHeight(): Promise<number>;
  executed(signature: string, owner: string): Promise<ExecutedAmounts | undefined>;
}

export interface TxExpectation {
  owner: string;
  inputMint: string;
  outputMint: string;
  inAmount: bigint;
  minOutAmount: bigint;
}

/**
 * ok only when: the fee payer is the owner; every program is allowlisted (Jupiter, Token,
 * Token-2022, Associated Token, Compute Budget, System); no approve / set-authority; nothing leaves
 * the owner except the input amount; and a simulation succeeds with at least minOut received.
 */
export type TxCheck = { ok: true } | { ok: false; reason: string };

/** Custodial keys: secrets exist only encrypted at rest; signing decrypts in memory. */
export interface KeyVault {
  /** A new keypair; the secret comes back encrypted (AES-256-GCM, fresh nonce). */
  create(): Promise<{ address: string; encryptedSecret: string }>;
  /** Signs a base64 transaction; returns signed base64 and its signature. Fails on a tampered secret. */
  sign(encryptedSecret: string, txBase64: string): Promise<{ signedTxBase64: string; signature: string }>;
  /** The base58 secret key, for /wallet export only. */
  reveal(encryptedSecret: string): Promise<string>;
  /** Address check: a valid base58 ed25519 public key. */
  isAddress(s: string): boolean;
}

/** A trade as the user asked for it: sides and tokens resolved, the amount still a spec ("50%", "all"). */
export interface TradeIntent {
  side: Order["side"];
  input: Token;
  output: Token;
  amount: AmountSpec;
}

export type ConfirmResult =
  | { kind: "filled" | "failed" | "refused" | "expired" | "pending"; order: Order }
  | { kind: "already"; order: Order };

/** Where fills found later are pushed. */
export interface NotifyTarget {
  platform: Platform;
  chatId: string;
}

/** The trading service as the trade commands drive it: preview, Confirm (once), Cancel, history. */
export interface TradingPort {
  readonly mode: "paper" | "live";
  /** Policy checks, then a quote stored as a previewed order. Nothing moves yet. */
  preview(userId: string, intent: TradeIntent, notify: NotifyTarget): Promise<Order>;
  /**
   * Claims the order exactly once, then executes it. An order whose `risk` needs the acknowledgement
   * (needsRiskAck) is refused with UserError token_unsafe unless `acknowledgeRisk` (the "I understand
   * the risks" button) is set; it stays previewed, so that button can still confirm it.
   */
  confirm(userId: string, orderId: string, opts?: { toldByReply?: boolean; acknowledgeRisk?: boolean }): Promise<ConfirmResult>;
  cancel(userId: string, orderId: string): Promise<Order>;
  /** One of the user's orders; throws UserError order_unknown for anyone else's. */
  order(userId: string, orderId: string): Promise<Order>;
  orders(userId: string, limit: number): Promise<Order[]>;
  /** The token policy (deny list, allow list, else verified tokens only): throws the UserError a preview would. */
  checkToken(t: Token): void;
  /** TOKEN_SAFETY's judgement of receiving this token (null: not checked: built in, allowlisted, or no check wired). */
  judgeReceived(token: Token): Promise<RiskJudgement | null>;
}

/** The router, once a reply that tells an order's outcome was delivered (`Reply.tellsOrder`). */
export interface ToldOrders {
  markTold(orderId: string): Promise<void>;
}
