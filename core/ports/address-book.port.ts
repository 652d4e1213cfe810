import type { NewOutboxMessage } from "./alerts.port.js";
import type { WithdrawAddress, WithdrawAddressBook } from "./withdrawals.port.js";

/**
 * What the chain says about an address someone wants to withdraw to (issue 19). Only `wallet` and
 * `program_owned` may be added; the others are refused with the reason shown.
 */
export type AddressFacts =
  /** Not a base58 32-byte public key. */
  | { kind: "invalid" }
  /** A valid key that is not on the ed25519 curve (a program-derived address): no one holds its key. */
  | { kind: "off_curve" }
  /** A token account (SPL Token or Token-2022): sending there strands or misroutes funds. */
  | { kind: "token_account"; program: "spl-token" | "token-2022" }
  /** A token mint. */
  | { kind: "mint"; program: "spl-token" | "token-2022" }
  /** A deployed program. */
  | { kind: "executable" }
  /** An existing account owned by a program other than the System program: allowed with a warning. */
  | { kind: "program_owned"; owner: string }
  /** An ordinary wallet: System-owned, or not created yet. */
  | { kind: "wallet"; exists: boolean };

/** Reads an address's account on the chain. An RPC failure throws (RemoteError): never "unchecked". */
export interface AddressChecker {
  check(address: string): Promise<AddressFacts>;
}

/** A user's own freeze ("this wasn't me"). */
export interface UserFreeze {
  at: number;
  reason: string;
}

export type AddressInsert = { kind: "ok" } | { kind: "exists" } | { kind: "full" };

/** Where the address book and the users' freezes are kept. */
export interface AddressBookStore {
  /**
   * Adds the address unless the label is taken (case-insensitive) or the user has `max` already, and
   * writes its announcement rows to the outbox in the same transaction: never added unannounced.
   */
  insert(a: WithdrawAddress, max: number, notices: readonly NewOutboxMessage[], now: number): Promise<AddressInsert>;
  list(userId: string): Promise<WithdrawAddress[]>;
  find(userId: string, label: string): Promise<WithdrawAddress | undefined>;
  /** Deletes the rows (with the announcement rows, in one transaction); the ones that were there. */
  remove(userId: string, ids: readonly string[], notices: readonly NewOutboxMessage[], now: number): Promise<number>;
  /** Freezes (keeping an earlier freeze's time); true when it was not frozen before. Announcement rows written with it. */
  freeze(userId: string, f: UserFreeze, notices: readonly NewOutboxMessage[], now: number): Promise<boolean>;
  freezeOf(userId: string): Promise<UserFreeze | undefined>;
  /** Lifts the freeze and deletes these addresses in one transaction; false when it was not frozen. */
  unfreeze(userId: string, removeIds: readonly string[], notices: readonly NewOutboxMessage[], now: number): Promise<boolean>;
}

/** A pending `/withdraw add` waiting for the user's code. */
export interface PendingAddition {
  label: string;
  address: string;
  warning?: string;
}

/**
 * The address book as the /withdraw command drives it: the shared contract plus the steps around it
 * (an addition checked before a code is asked for, the code completing it, lifting one's own freeze).
 */
export interface AddressBookPort extends WithdrawAddressBook {
  /** Checks an addition fully (2FA on, label, room, the chain), then waits for the user's next code (kind "address_add"). */
  prepareAdd(userId: string, label: string, address: string): Promise<PendingAddition>;
  /** The code for the addition `ref` (from the 2FA step) completes it. */
  completeAdd(userId: string, ref: string, code: string): Promise<WithdrawAddress>;
  /** Needs a 2FA code; addresses still waiting out their delay when the freeze began are removed. */
  unfreeze(userId: string, code: string): Promise<{ removed: WithdrawAddress[] }>;
  /** The operator's global freeze. */
  globalFreeze(): Promise<{ on: boolean; at?: number; by?: string }>;
  /** Hours an added address waits before it is usable. */
  readonly delayMs: number;
}
