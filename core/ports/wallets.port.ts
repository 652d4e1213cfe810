import type { Wallet } from "./orders.port.js";

/** A user's wallets: watch-only addresses and the custodial one (/wallet). */
export interface WalletsPort {
  list(userId: string): Promise<Wallet[]>;
  watch(userId: string, address: string): Promise<Wallet>;
  create(userId: string): Promise<Wallet>;
  /** The secret key in base58: only for the owner, only after confirmation (the command enforces both). */
  reveal(userId: string, walletId: string): Promise<{ address: string; secret: string }>;
}
