import type { ConfirmResult, NotifyTarget, TradeIntent } from "../ports/trading.port.js";
import type { Platform } from "../domain/identity.js";
import type { AmountSpec } from "../domain/money.js";
import type { Order, TradingMode } from "../domain/order.js";
import type { Token } from "../domain/token.js";
import type { AuditLog } from "../ports/audit.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { Logger } from "../ports/logger.port.js";
import type { BookStore, OrderStore, Wallet, WalletStore } from "../ports/orders.port.js";
import type { Chain, KeyVault, SwapProvider } from "../ports/trading.port.js";
import type { SafetyFlagCode } from "../domain/token-safety.js";
import type { SettingsPort } from "../ports/user-settings.port.js";
import type { WithdrawChain } from "../ports/withdraw-tx.port.js";
import type { MarketService } from "./market.service.js";
import type { TokenSafetyCheck } from "./trade-safety.js";

export const SOL_MINT = "So11111111111111111111111111111111111111112";

export interface TradingConfig {
  mode: TradingMode;
  paperStartUsdc: number;
  maxTradeUsd: number;
  dailyCapUsd: number;
  defaultSlippageBps: number;
  maxSlippageBps: number;
  maxPriceImpactPct: number;
  quoteTtlMs: number;
  /**
   * How long a confirmed order may be in another process's hands: unsigned this long after Confirm it
   * was interrupted (closed as failed); ended this long ago and never told, its outcome is pushed.
   */
  takeoverMs: number;
  /** Mints allowed (null = any verified token); always refused: deny. */
  allow: ReadonlySet<string> | null;
  deny: ReadonlySet<string>;
  /** How long Confirm waits for a live swap to land before answering "sent". */
  confirmWaitMs: number;
  pollMs: number;
  resendEveryMs: number;
}

/** Limits a caller may set for its own previews (the treasury trades under its own). */
export type PreviewLimits = Partial<Pick<TradingConfig, "maxTradeUsd" | "dailyCapUsd" | "defaultSlippageBps" | "maxSlippageBps" | "maxPriceImpactPct" | "allow">>;

export type TradeEventType = "trade.filled" | "trade.failed" | "trade.expired" | "trade.refused";
export interface TradeEvent {
  type: TradeEventType;
  order: Order;
}

/**
 * Where a preview comes from when it is not a person at the keyboard: an automation's firing. The order
 * gets this id (derived from the automation, firing and attempt, so a retried attempt after a crash
 * finds the same order) and names the automation that placed it.
 */
export interface Placement {
  orderId?: string;
  automation?: { id: string; firing: number };
  /**
   * TOKEN_SAFETY: the flags the automation's owner acknowledged when creating it. A firing on a token
   * needing the acknowledgement goes ahead only when these cover its red flags (see trade-safety.ts).
   */
  acknowledgedRisk?: readonly SafetyFlagCode[];
}

/** Who trades, from which book: a user's paper account or wallet, or the treasury's own. */
export interface TradeAccount {
  userId: string;
  book: string;
  wallet: Wallet | null;
  mode: TradingMode;
}

export interface TradingDeps {
  orders: OrderStore;
  books: BookStore;
  wallets: WalletStore;
  swap: SwapProvider;
  chain?: Chain;
  vault?: KeyVault;
  /** Live withdrawals (issue 19): builds and inspects the transfer of a "withdraw" order; absent: none are executed live. */
  withdrawTx?: WithdrawChain;
  market: MarketService;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  config: TradingConfig;
  /** TOKEN_SAFETY: the received token's safety judged at preview; absent, no check (tests, or not wired). */
  safety?: TokenSafetyCheck;
  /** Fills and failures found in the background are pushed to the user. */
  onEvent: (e: TradeEvent) => Promise<void>;
  /** An outcome its owner was told in the reply (no push): for live listeners only (the web stream). */
  onTold?: (e: TradeEvent) => void;
  /** Users' own settings (default slippage, priority-fee level), already within the operator's caps. */
  settings?: Pick<SettingsPort, "get">;
  sleep?: (ms: number) => Promise<void>;
}

export type { ConfirmResult, NotifyTarget, TradeIntent };

