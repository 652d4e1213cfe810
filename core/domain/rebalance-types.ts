/** Types shared by the rebalance planner's modules (see rebalance.ts for the algorithm). */

/** One balance: base units beside the asset's decimals. */
export interface RebalanceHolding {
  symbol: string;
  amount: bigint;
  decimals: number;
}

export interface RebalanceConstraints {
  /**
   * Band half-width in percentage points: an asset is in band while |weight - target| <= this.
   * With `bandRelPct` as well, the wider of the two applies. At least one should be given
   * (neither means a zero-width band).
   */
  bandAbsPct?: number;
  /** Band half-width as a percent of the target: |weight - target| <= target * rel / 100. */
  bandRelPct?: number;
  /** No swap smaller than this (USD). */
  minTradeUsd: number;
  /** Swaps larger than this are split into equal chunks (USD); Infinity for no limit. */
  maxTradeUsd: number;
  /** What is left of today's turnover budget (USD, sum of swap sizes); Infinity for no limit. */
  maxTurnoverUsd: number;
  /** Modelled cost of one swap, basis points of what goes in (fee, slippage, impact). */
  feeBps: number;
  /** The asset every trade routes through, e.g. "USDC". */
  hub: string;
  /** "SOL>JUP": selling SOL straight into JUP is one swap (cheaper than two through the hub). Directional. */
  directRoutes?: readonly string[];
}

/**
 * One swap to execute, in order. `amountIn` is base units of `from` (rounded down); `usd` is its
 * value at the planning prices. The model: `to` receives usd * (1 - feeBps / 10_000) worth, rounded
 * down to its base units.
 */
export interface PlannedSwap {
  from: string;
  to: string;
  amountIn: bigint;
  usd: number;
  reason: string;
}

/**
 * Which limit kept an asset outside its band: callers branch on this, the reason says it in words.
 * no_price: the asset has no price; hub_unpriced: the hub has none, so nothing trades; no_value:
 * nothing priced to trade; min_trade / split / unit: the minimum and maximum trade sizes; turnover:
 * today's turnover budget; cash: not enough hub for a buy; held: not enough of the asset after
 * rounding; hub_stuck: no asset can absorb the hub's difference; fee_band: the band is too narrow for
 * the fee; rounding: left just outside by rounding to base units.
 */
export type BlockLimit =
  | "no_price"
  | "hub_unpriced"
  | "no_value"
  | "min_trade"
  | "split"
  | "unit"
  | "turnover"
  | "cash"
  | "held"
  | "hub_stuck"
  | "fee_band"
  | "rounding";

/** A limit and its reason in words. */
export interface Blocker {
  limit: BlockLimit;
  reason: string;
}

/** An asset left outside its band, and the limit that kept it there. */
export interface BlockedAsset extends Blocker {
  symbol: string;
}

export interface RebalancePlan {
  /** Sells (into the hub), then direct swaps, then buys (out of the hub). */
  swaps: PlannedSwap[];
  /** Weights in percent of the priced value, before the swaps. Unpriced holdings are left out. */
  before: Record<string, number>;
  /** Modelled weights after the swaps at the same prices, fees and rounding deducted. */
  after: Record<string, number>;
  turnoverUsd: number;
  feesUsd: number;
  /** Every asset left outside its band (or not priced), by symbol, with the reason. */
  blocked: BlockedAsset[];
  /** True when every asset is inside its band after the plan (nothing blocked). */
  inBand: boolean;
}

// ---- internal model -------------------------------------------------------------------------

/** One asset as the planner sees it. Fractions (0..1), not percent. */
export interface Slot {
  symbol: string;
  amount: bigint;
  decimals: number;
  /** USD price; NaN when there is none (or it is not a positive finite number). */
  price: number;
  priced: boolean;
  /** USD value at `price` (0 when unpriced). */
  value: number;
  target: number;
  band: number;
  /** USD value of one base unit (0 when unpriced). */
  unitUsd: number;
  isHub: boolean;
}

export type LegKind = "sell" | "buy" | "direct";

/** A planned movement of value in USD, before it becomes swaps in base units. */
export interface Leg {
  kind: LegKind;
  from: string;
  to: string;
  /** USD value going in (what the fee is charged on). */
  usd: number;
  /** Larger goes first when the turnover budget is short. */
  prio: number;
  /** Symbols whose band this leg serves (the hub when it is fixing the hub's weight). */
  serves: string[];
}

/** Everything a planning pass needs, fixed for the whole plan. */
export interface PlanContext {
  slots: Slot[];
  bySymbol: Map<string, Slot>;
  hub: Slot;
  /** Priced value of the portfolio before any swap (USD). */
  value: number;
  keep: number;
  min: number;
  max: number;
  budget: number;
  routes: ReadonlyArray<readonly [string, string]>;
  /** USD slack kept inside each band edge so that rounding to base units cannot cross it. */
  slack: number;
  /**
   * USD by which the edges an asset is judged against move inside. 0 normally; when passes do not
   * settle (a trade near the minimum flips in and out, moving the fees), it covers that swing.
   */
  guard: number;
}
