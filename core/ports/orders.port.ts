import type { Order, OrderStatus, Position } from "../domain/order.js";

export type OrderPatch = Partial<
  Pick<
    Order,
    "confirmedAt" | "signature" | "rawTx" | "lastValidBlockHeight" | "finalAt" | "filledIn" | "filledOut" | "feeLamports" | "error"
  >
>;

export interface Fill {
  orderId: string;
  userId: string;
  book: string;
  inMint: string;
  inAmount: bigint;
  outMint: string;
  outAmount: bigint;
  /** Trade value in USD micro-dollars: the sold side's cost leaves, this enters the bought side. */
  valueMicro: bigint;
  feeLamports?: bigint;
  /**
   * "withdrawal": the input leaves the book (sent to the user's own address): its cost basis leaves in
   * proportion, no PnL is realised (it was not sold), nothing is credited. Absent: a trade.
   */
  kind?: "trade" | "withdrawal";
}

export type FillResult = "filled" | "insufficient" | "not_in_flight";

/** Confirm's claim: "confirmed" for exactly one caller; "over_cap" changed nothing. */
export type CapClaim = "confirmed" | "over_cap" | "not_previewed";

export interface OrderStore {
  create(order: Order): Promise<void>;
  get(id: string): Promise<Order | undefined>;
  /** Compare-and-set: moves the order only if its status is one of `from`. True for exactly one caller. */
  transition(id: string, from: readonly OrderStatus[], to: OrderStatus, patch?: OrderPatch): Promise<boolean>;
  byUser(userId: string, limit: number): Promise<Order[]>;
  byStatus(statuses: readonly OrderStatus[]): Promise<Order[]>;
  /** Records that the user was told this order's outcome (its Confirm reply delivered, or its push queued). */
  markTold(id: string, now: number): Promise<void>;
  /** Confirmed orders now in one of `statuses` that ended before `finalBefore` and were never told. */
  untold(statuses: readonly OrderStatus[], finalBefore: number): Promise<Order[]>;
  /** USD notional of the user's confirmed-or-later trades (or, with "withdraw", their withdrawals) since `since`. */
  usdSince(userId: string, since: number, of?: "trade" | "withdraw"): Promise<number>;
  /**
   * In ONE atomic step, judged one caller at a time per user (in every process): moves a previewed
   * order to confirmed (confirmedAt = now) only if the user's confirmed-or-later USD since `cap.since`
   * plus this order's stays within `cap.usd`. Presses at once can never confirm past the cap.
   * Trades and withdrawals have separate caps: a withdrawal is judged against the user's withdrawals
   * only, a trade against their trades only (the same per-user lock serialises both).
   */
  confirmWithinCap(id: string, now: number, cap: { since: number; usd: number }): Promise<CapClaim>;
}

export interface BookStore {
  /** Creates the book once (paper accounts start with their USDC), returns true if it was new. */
  ensure(userId: string, book: string, now: number, seed?: Position): Promise<boolean>;
  positions(userId: string, book: string): Promise<Position[]>;
  realizedMicro(userId: string, book: string): Promise<bigint>;
  /**
   * In ONE database transaction: checks the order is still in flight, (optionally) that the book holds
   * the input, moves the positions and cost basis, books realised PnL, and marks the order filled.
   * Fills into one book apply one after another, whichever processes run them: none is lost.
   */
  applyFill(fill: Fill, now: number, opts: { requireBalance: boolean; from: readonly OrderStatus[] }): Promise<FillResult>;
  snapshot(userId: string, book: string, at: number, valueUsd: number): Promise<void>;
  /** Users who have a book (for the periodic value snapshots behind /pnl), a page at a time. */
  owners(after: string | null, limit: number): Promise<string[]>;
  snapshots(userId: string, book: string, since: number): Promise<Array<{ at: number; valueUsd: number }>>;
}

export interface Wallet {
  id: string;
  userId: string;
  address: string;
  kind: "watch" | "custodial";
  encryptedSecret: string | null;
  createdAt: number;
}

export interface WalletStore {
  /** False when the user already has that address. */
  add(w: Wallet): Promise<boolean>;
  list(userId: string): Promise<Wallet[]>;
}
