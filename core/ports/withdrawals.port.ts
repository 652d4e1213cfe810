import type { Order } from "../domain/order.js";
import type { ConfirmResult, NotifyTarget } from "./trading.port.js";

/**
 * Withdrawals (issue 19): an address book whose entries become usable only after a delay, a freeze
 * ("this wasn't me", or the operator's global one), and withdrawals to matured addresses only.
 */
export interface WithdrawAddress {
  id: string;
  userId: string;
  /** The user's name for it (unique per user, case-insensitive). */
  label: string;
  address: string;
  addedAt: number;
  /** Withdrawals to it are allowed from this time (addedAt + WITHDRAW_ADDRESS_DELAY_H). */
  usableAt: number;
  /** A warning shown when it was added (e.g. owned by a program, not a wallet). */
  warning?: string;
}

export interface WithdrawFreeze {
  frozen: boolean;
  /** "user" (this wasn't me), or "global" (the operator's /withdraw freeze). */
  by?: "user" | "global";
  at?: number;
}

/** The address book and freezes. */
export interface WithdrawAddressBook {
  /** Validated (on-curve wallet address, not a token account, not the user's own wallet); needs a 2FA code. Announced on every linked platform. */
  add(userId: string, label: string, address: string, code: string): Promise<WithdrawAddress>;
  list(userId: string): Promise<WithdrawAddress[]>;
  remove(userId: string, label: string): Promise<WithdrawAddress>;
  /** The address for a label, refused unless matured and not frozen (UserError withdraw_address_unknown | withdraw_address_young | withdraw_frozen). */
  usable(userId: string, label: string): Promise<WithdrawAddress>;
  freeze(userId: string, reason: string): Promise<void>;
  freezeState(userId: string): Promise<WithdrawFreeze>;
  /** The operator's global freeze (admin). */
  setGlobalFreeze(on: boolean, adminId: string): Promise<void>;
}

/** A withdrawal as the command asks for it. */
export interface WithdrawRequest {
  /** Symbol or mint. */
  token: string;
  /** A positive decimal amount, or "all". */
  amount: string;
  label: string;
  /** The chat the outcome belongs to (the user's private chat); it also reaches every linked platform. */
  notify?: NotifyTarget;
}

/** The withdrawal service as the /withdraw command drives it. Withdrawals are orders (kind "withdrawal"): tracked to landing exactly once. */
export interface WithdrawalsPort {
  readonly enabled: boolean;
  book: WithdrawAddressBook;
  /** Exact amount, fee, destination; nothing moves. */
  preview(userId: string, req: WithdrawRequest): Promise<Order>;
  /** Confirm plus a fresh 2FA code: claimed once (daily cap WITHDRAW_DAILY_CAP_USD judged atomically), built, inspected, recorded, sent, tracked. */
  confirm(userId: string, orderId: string, code: string): Promise<Order>;
  cancel(userId: string, orderId: string): Promise<Order>;
  /** WITHDRAW_DAILY_CAP_USD. */
  readonly dailyCapUsd: number;
  /** One of the user's withdrawals; UserError order_unknown for anything else. */
  order(userId: string, orderId: string): Promise<Order>;
  /**
   * `confirm` with how it ended for this caller ("already": another press, code or process got there
   * first). `toldByReply`: the caller's reply tells the outcome and marks it told once delivered.
   */
  confirmWithCode(userId: string, orderId: string, code: string, opts?: { toldByReply?: boolean }): Promise<ConfirmResult>;
}
