import type { Platform } from "./identity.js";
import type { OrderRisk } from "./trade-risk.js";

export type OrderStatus =
  | "previewed" // quote stored, waiting for Confirm
  | "cancelled"
  | "expired" // quote expired before Confirm, or the signed transaction's blockhash expired unlanded
  | "confirmed" // Confirm claimed it: executing
  | "signed" // live: signature, raw bytes and lastValidBlockHeight stored BEFORE sending
  | "sent" // live: sent, waiting for it to land
  | "filled"
  | "failed"
  | "refused"; // live: the swap transaction failed inspection; nothing was signed

export const FINAL_STATUSES: readonly OrderStatus[] = ["cancelled", "expired", "filled", "failed", "refused"];
export const IN_FLIGHT_STATUSES: readonly OrderStatus[] = ["confirmed", "signed", "sent"];
/**
 * Executed: claimed by Confirm and not (yet) failed, expired or refused. These count against the daily
 * cap, and the treasury counts them as turnover done.
 */
export const EXECUTED_STATUSES: readonly OrderStatus[] = [...IN_FLIGHT_STATUSES, "filled"];
export const isExecuted = (status: OrderStatus): boolean => EXECUTED_STATUSES.includes(status);

/** Paper (simulated fills, the default) or live (real swaps on Solana). */
export type TradingMode = "paper" | "live";
/** "withdraw": funds sent out of the book to an address of the user's (issue 19); input = output = the token sent. */
export type OrderSide = "buy" | "sell" | "swap" | "withdraw";

/**
 * What a withdrawal order carries besides the token and amount (input = output, inAmount = the exact
 * amount sent): the destination from the user's address book, and the costs shown in the preview.
 */
export interface WithdrawalInfo {
  /** The destination wallet address (for SPL tokens: its owner; the transfer goes to its associated token account). */
  to: string;
  /** The address book label the user named. */
  label: string;
  /** Base fee plus priority fee of the transfer (0 in paper mode). */
  networkFeeLamports: bigint;
  /** Rent of the destination's token account when the transfer creates it (0: it exists, or SOL). */
  rentLamports: bigint;
}

/** A fee the swap route charges, in base units of the mint it is charged in. */
export interface RouteFee {
  mint: string;
  amount: bigint;
}

export interface TokenRef {
  mint: string;
  symbol: string;
  decimals: number;
}

export interface Order {
  id: string;
  userId: string;
  mode: TradingMode;
  /** "paper", or the wallet address whose cost basis this trade moves. */
  book: string;
  wallet: string | null;
  side: OrderSide;
  status: OrderStatus;
  input: TokenRef;
  output: TokenRef;
  inAmount: bigint;
  quotedOut: bigint;
  minOut: bigint;
  slippageBps: number;
  priceImpactPct: number;
  route: string[];
  /**
   * The route's fees as the quote gave them, per mint (empty: none charged); null when not known (a
   * quote without fee information, or an order stored before fees were recorded).
   */
  routeFees: RouteFee[] | null;
  /** Quoted by the offline simulation (replayed prices), not by Jupiter: route[0] names its modelled fee. */
  simulated: boolean;
  /** The provider's quote as it came, opaque to core: only the provider reads it back (to build the swap). */
  quoteRaw: unknown;
  /** Notional in USD at preview (policy caps and cost basis). */
  usdValue: number;
  createdAt: number;
  quoteExpiresAt: number;
  confirmedAt: number | null;
  signature: string | null;
  rawTx: string | null;
  lastValidBlockHeight: number | null;
  finalAt: number | null;
  filledIn: bigint | null;
  filledOut: bigint | null;
  feeLamports: bigint | null;
  error: string | null;
  /** Where fills and failures are pushed (the user's private chat). */
  notify: { platform: Platform; chatId: string };
  /** The automation that placed it (its firing n), when one did; absent or null: the user's own trade. */
  automation?: { id: string; firing: number } | null;
  /**
   * TOKEN_SAFETY: the safety of the token received, judged at preview (absent or null: nothing to say,
   * or not checked because the token is allowlisted or built in). When `ackRequired` and not
   * `acknowledged`, Confirm needs the explicit "I understand the risks" (see trade-risk.ts).
   */
  risk?: OrderRisk | null;
  /** A withdrawal (side "withdraw"): where it goes and what it costs; absent or null for trades. */
  withdrawal?: WithdrawalInfo | null;
}

export const isWithdrawal = (o: Pick<Order, "side">): boolean => o.side === "withdraw";

/** What a previewed order has none of yet: no Confirm, no transaction, no fill, no fee paid, no error. */
export const NOTHING_EXECUTED = {
  confirmedAt: null,
  signature: null,
  rawTx: null,
  lastValidBlockHeight: null,
  finalAt: null,
  filledIn: null,
  filledOut: null,
  feeLamports: null,
  error: null,
} as const satisfies Partial<Order>;

export interface Position {
  mint: string;
  amount: bigint;
  /** USD cost basis, micro-dollars. */
  costMicro: bigint;
}

export const MICRO = 1_000_000;
export const usdToMicro = (usd: number) => BigInt(Math.round(usd * MICRO));
export const microToUsd = (m: bigint) => Number(m) / MICRO;
