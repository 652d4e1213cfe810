import { unitsToUsd } from "./money.js";
import type { Leg, PlanContext, PlannedSwap, RebalanceHolding, Slot } from "./rebalance-types.js";

/**
 * From USD legs to swaps in base units, and the swap model itself: `amountIn` of `from` is worth
 * `usd` at the planning price; `to` receives `usd * (1 - feeBps / 10_000)` worth, rounded down.
 */

const toUnits = (usdValue: number, unitUsd: number): bigint => {
  const x = Math.floor(usdValue / unitUsd);
  return Number.isFinite(x) && x > 0 ? BigInt(x) : 0n;
};

/** Base units of an asset (price, decimals) received for `usdIn` going in, after the fee. */
export function receivedUnits(usdIn: number, keep: number, price: number, decimals: number): bigint {
  return toUnits(usdIn * keep, price / 10 ** decimals);
}

/**
 * Applies swaps to balances at the given prices with the fee model above. Throws when a swap
 * spends more than is held or names an asset without a price or a balance row.
 */
export function applySwaps(
  holdings: ReadonlyArray<RebalanceHolding>,
  prices: Readonly<Record<string, number>>,
  swaps: ReadonlyArray<Pick<PlannedSwap, "from" | "to" | "amountIn">>,
  feeBps: number,
): RebalanceHolding[] {
  const out = holdings.map((h) => ({ ...h }));
  const row = new Map(out.map((h) => [h.symbol, h]));
  const keep = 1 - feeBps / 10_000;
  for (const s of swaps) {
    const from = row.get(s.from);
    const to = row.get(s.to);
    const pf = prices[s.from];
    const pt = prices[s.to];
    if (!from || !to || !(pf !== undefined && pf > 0) || !(pt !== undefined && pt > 0)) {
      throw new Error(`swap ${s.from}>${s.to}: both assets need a balance row and a price`);
    }
    if (s.amountIn <= 0n || s.amountIn > from.amount) throw new Error(`swap ${s.from}>${s.to}: ${s.amountIn} is not within the balance ${from.amount}`);
    from.amount -= s.amountIn;
    to.amount += receivedUnits(unitsToUsd(s.amountIn, from.decimals, pf), keep, pt, to.decimals);
  }
  return out;
}

/**
 * Equal chunks of base units within [min, max] USD for a leg; empty when none fits. `split` says
 * the chunks cover less than the leg because equal chunks of at least the minimum did not fit.
 */
function chunkUnits(leg: Leg, from: Slot, held: bigint, budgetUsd: number, ctx: PlanContext): { parts: bigint[]; cut?: Cut } {
  const none = { parts: [], cut: "short" as const };
  // Never more than is held, nor more than the turnover budget has left.
  const avail = Number.isFinite(budgetUsd) && toUnits(budgetUsd, from.unitUsd) < held ? toUnits(budgetUsd, from.unitUsd) : held;
  if (avail <= 0n) return none;
  // Selling a whole position takes every unit (no dust left by rounding).
  const all = !from.isHub && leg.usd >= from.value * (1 - 1e-9);
  let units = all ? avail : toUnits(leg.usd, from.unitUsd);
  // More than a unit short of the plan: the balance or the budget ran out (rounding elsewhere).
  const short = units > avail + 1n;
  if (units > avail) units = avail;
  const minUnits = ctx.min > 0 ? BigInt(Math.ceil(ctx.min / from.unitUsd)) : 1n;
  if (units < minUnits) {
    // The leg was sized at the minimum and rounding fell a unit short: round up instead.
    if (ctx.min <= 0 || leg.usd < ctx.min * (1 - 1e-9) || minUnits > avail) return none;
    units = minUnits;
  }
  const cut = short ? ("short" as const) : undefined;
  if (!Number.isFinite(ctx.max)) return { parts: [units], cut };
  const maxUnits = toUnits(ctx.max, from.unitUsd);
  if (maxUnits === 0n) return { parts: [], cut: "unit" };
  if (maxUnits < minUnits) return { parts: [], cut: "split" };
  let n = (units + maxUnits - 1n) / maxUnits;
  let q = units / n;
  let split = false;
  if (q < minUnits) {
    // Rounding to base units made equal chunks fall under the minimum: one chunk fewer, at the maximum.
    n -= 1n;
    split = true;
    if (n === 0n) return { parts: [], cut: "split" };
    units = n * maxUnits;
    q = maxUnits;
  }
  const r = units - q * n;
  const parts: bigint[] = [];
  for (let i = 0n; i < n; i++) parts.push(i < r ? q + 1n : q);
  return { parts, cut: split ? "split" : cut };
}

const KIND_ORDER = { sell: 0, direct: 1, buy: 2 } as const;

type Cut = "split" | "unit" | "short";

export interface SwapBuild {
  swaps: PlannedSwap[];
  balances: Map<string, bigint>;
  /**
   * Legs that rounding to base units cut: `split` when equal chunks within [min, max] no longer
   * fit, `unit` when one base unit is worth more than the maximum, `short` when the balance (the
   * hub's cash, a few units short) or the budget ran out.
   */
  cut: Array<{ leg: Leg; why: Cut }>;
}

/** Sells, then direct swaps, then buys; each leg split into chunks, every balance kept >= 0. */
export function buildSwaps(ctx: PlanContext, legs: Leg[], reasonOf: (leg: Leg) => string): SwapBuild {
  const balances = new Map(ctx.slots.map((s) => [s.symbol, s.amount]));
  const ordered = [...legs].sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || b.prio - a.prio || (a.from + ">" + a.to < b.from + ">" + b.to ? -1 : 1),
  );
  const swaps: PlannedSwap[] = [];
  const cut: SwapBuild["cut"] = [];
  let budget = ctx.budget;
  for (const leg of ordered) {
    const from = ctx.bySymbol.get(leg.from)!;
    const to = ctx.bySymbol.get(leg.to)!;
    const chunks = chunkUnits(leg, from, balances.get(from.symbol) ?? 0n, budget, ctx);
    if (chunks.cut) cut.push({ leg, why: chunks.cut });
    const parts = chunks.parts;
    if (parts.length === 0) continue;
    const reason = reasonOf(leg);
    for (const amountIn of parts) {
      const value = unitsToUsd(amountIn, from.decimals, from.price);
      balances.set(from.symbol, balances.get(from.symbol)! - amountIn);
      balances.set(to.symbol, balances.get(to.symbol)! + receivedUnits(value, ctx.keep, to.price, to.decimals));
      swaps.push({ from: from.symbol, to: to.symbol, amountIn, usd: value, reason });
      budget -= value;
    }
  }
  return { swaps, balances, cut };
}
