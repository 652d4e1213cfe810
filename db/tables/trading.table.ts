import type { Platform } from "../../core/domain/identity.js";
import type { OrderSide, OrderStatus, TradingMode } from "../../core/domain/order.js";
import type { Wallet } from "../../core/ports/orders.port.js";

/** A user's wallets: watch-only addresses, or custodial keypairs whose secret is encrypted at rest. */
export interface WalletsTable {
  id: string;
  user_id: string;
  address: string;
  kind: Wallet["kind"];
  encrypted_secret: string | null;
  created_at: number;
}

/** Holdings and cost basis per book: "paper", or a wallet address for bot-executed live trades. */
export interface PositionsTable {
  user_id: string;
  book: string;
  mint: string;
  /** bigint base units as TEXT. */
  amount: string;
  /** USD cost basis in micro-dollars (bigint TEXT). */
  cost_micro: string;
  updated_at: number;
}

export interface BooksTable {
  user_id: string;
  book: string;
  /** Realised PnL in micro-dollars (bigint TEXT). */
  realized_micro: string;
  created_at: number;
}

/** One row per user who has confirmed a trade: what Confirm locks to judge the daily cap (no data). */
export interface TradeLocksTable {
  user_id: string;
  created_at: number;
}

/** Every trade: durable intent first, one execution, reconciliation always. */
export interface OrdersTable {
  id: string;
  user_id: string;
  mode: TradingMode;
  book: string;
  wallet: string | null;
  side: OrderSide;
  status: OrderStatus;
  input_mint: string;
  input_symbol: string;
  input_decimals: number;
  output_mint: string;
  output_symbol: string;
  output_decimals: number;
  in_amount: string;
  quoted_out: string;
  min_out: string;
  slippage_bps: number;
  price_impact_pct: number;
  /** JSON string[]. */
  route: string;
  /** The provider's raw quote (JSON), opaque: only the provider reads it back to build the swap. */
  quote_json: string;
  /** JSON [{ mint, amount }] (amounts as decimal strings); null: not known (orders from before it was stored). */
  route_fees: string | null;
  /** 1 when the quote was simulated (offline, replayed prices), else 0. */
  simulated: number;
  usd_value: number;
  created_at: number;
  quote_expires_at: number;
  confirmed_at: number | null;
  signature: string | null;
  raw_tx: string | null;
  last_valid_block_height: number | null;
  final_at: number | null;
  /** When the user was told the outcome (null: not yet, or never confirmed). */
  told_at: number | null;
  filled_in: string | null;
  filled_out: string | null;
  fee_lamports: string | null;
  error: string | null;
  notify_platform: Platform;
  notify_chat: string;
  /** The automation that placed it and its firing n (both null: the user's own trade). */
  automation_id: string | null;
  automation_firing: number | null;
  /** TOKEN_SAFETY: the received token's judged safety (JSON, see order-risk-codec.ts); null: none. */
  risk_json: string | null;
  /** A withdrawal's destination and costs (JSON, see withdrawal-codec.ts); null: a trade. */
  withdrawal_json: string | null;
}

export interface PortfolioSnapshotsTable {
  user_id: string;
  book: string;
  at: number;
  value_usd: number;
}
