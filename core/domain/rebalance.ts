import { REASON, solvePass } from "./rebalance-legs.js";
import type { PassResult } from "./rebalance-legs.js";
import { buildSwaps } from "./rebalance-swaps.js";
import type { SwapBuild } from "./rebalance-swaps.js";
import type {
  BlockedAsset,
  Blocker,
  Leg,
  PlanContext,
  RebalanceConstraints,
  RebalanceHolding,
  RebalancePlan,
  Slot,
} from "./rebalance-types.js";

export type { BlockedAsset, BlockLimit, Blocker, PlannedSwap, RebalanceConstraints, RebalanceHolding, RebalancePlan } from "./rebalance-types.js";
export { applySwaps, receivedUnits } from "./rebalance-swaps.js";

/**
 * Rebalance planning: pure and deterministic (same input, same plan).
 *
 * 1. Value every priced asset; weights are shares of that value. An asset without a price is never
 *    traded and is reported blocked (held ones are left out of the weights).
 * 2. Each asset outside its band moves to the nearest band edge (least turnover), aiming a hair
 *    inside so rounding to base units cannot land it back outside.
 * 3. Sells pay into the hub, buys are paid from it; a configured direct route (`SOL>JUP`) replaces
 *    a sell leg and a buy leg with one swap. If the hub itself would end outside its band, other
 *    assets move toward their targets (largest gap first) to absorb or refill it.
 * 4. Limits: nothing below the minimum (a slightly out-of-band asset trades the minimum when that
 *    still lands inside its band), equal chunks at most the maximum, the turnover budget spent on
 *    the most out-of-band assets first, buys never spend more hub than it holds plus what sells pay.
 * 5. Fees lower the value the weights are measured against, so 2-4 repeat with the value after
 *    fees until it settles (a trade near a threshold that flips in and out tightens the edges by
 *    that swing). Swaps are rounded down to base units; nothing goes negative.
 * Whatever a limit leaves outside its band is listed in `blocked` with that limit (typed) and its reason.
 */
export function planRebalance(
  holdings: ReadonlyArray<RebalanceHolding>,
  prices: Readonly<Record<string, number>>,
  targets: Readonly<Record<string, number>>,
  constraints: RebalanceConstraints,
): RebalancePlan {
  validate(holdings, targets, constraints);
  const c = constraints;
  const slots = toSlots(holdings, prices, targets, c);
  const bySymbol = new Map(slots.map((s) => [s.symbol, s]));
  const hub = bySymbol.get(c.hub);
  if (!hub) throw new Error(`planRebalance: the hub ${c.hub} has no holding row`);
  const value = slots.reduce((sum, s) => sum + s.value, 0);
  const before = weights(slots, (s) => s.value, value);

  if (!hub.priced || !(value > 0)) {
    const why = !hub.priced ? REASON.hubUnpriced(c.hub) : REASON.noValue();
    const blocked = classify(slots, (s) => s.value, value, 0, new Map(), why);
    return { swaps: [], before, after: { ...before }, turnoverUsd: 0, feesUsd: 0, blocked, inBand: blocked.length === 0 };
  }
  // Already in band (the usual case between rebalances): nothing to plan.
  if (allInBand(slots, value)) {
    return { swaps: [], before, after: { ...before }, turnoverUsd: 0, feesUsd: 0, blocked: [], inBand: true };
  }

  const ctx = planContext(slots, bySymbol, hub, value, c);
  const { pass, settled } = settle(ctx);
  const built = buildSwaps(ctx, pass.legs, legReasoner(bySymbol, before));
  const reasons = pass.reasons;
  noteCuts(built.cut, reasons, c);
  const fallback = settled ? REASON.rounding() : REASON.unsettled(c.feeBps, c.minTradeUsd);
  return outcome(slots, built, before, ctx.keep, { reasons, fallback });
}

/**
 * What `planRebalance` answers by its early return, without planning: true exactly when the hub is
 * priced, the value is above 0 and every asset is inside its band (the plan would be no swaps, in
 * band). The same arithmetic in the same order (by symbol) as `toSlots` and `allInBand`, with no
 * allocation: a caller stepping through history (the backtest) skips the planner on such steps.
 * Does not validate: ask `planRebalance` once first.
 */
export function alreadyInBand(
  holdings: ReadonlyArray<RebalanceHolding>,
  prices: Readonly<Record<string, number>>,
  targets: Readonly<Record<string, number>>,
  c: RebalanceConstraints,
): boolean {
  let sorted = true;
  for (let i = 1; i < holdings.length && sorted; i++) sorted = holdings[i - 1]!.symbol < holdings[i]!.symbol;
  const hs = sorted ? holdings : [...holdings].sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
  let value = 0;
  let hubPriced = false;
  for (const h of hs) {
    const p = prices[h.symbol];
    const priced = typeof p === "number" && Number.isFinite(p) && p > 0;
    if (h.symbol === c.hub) hubPriced = priced;
    value += priced ? Number(h.amount) * (p / 10 ** h.decimals) : 0;
  }
  if (!hubPriced || !(value > 0)) return false;
  for (const h of hs) {
    const p = prices[h.symbol];
    const targetPct = targets[h.symbol] ?? 0;
    const target = targetPct / 100;
    const band = bandPct(targetPct, c) / 100;
    if (typeof p === "number" && Number.isFinite(p) && p > 0) {
      const w = (Number(h.amount) * (p / 10 ** h.decimals)) / value;
      if (!(w <= target + band && w >= target - band)) return false;
    } else if (!(h.amount === 0n && target <= band)) return false;
  }
  return true;
}

/** One slot per holding, sorted by symbol: its price (NaN when unknown), value, target and band as fractions. */
function toSlots(
  holdings: ReadonlyArray<RebalanceHolding>,
  prices: Readonly<Record<string, number>>,
  targets: Readonly<Record<string, number>>,
  c: RebalanceConstraints,
): Slot[] {
  return holdings
    .map((h): Slot => {
      const p = prices[h.symbol];
      const priced = typeof p === "number" && Number.isFinite(p) && p > 0;
      const price = priced ? p : Number.NaN;
      const targetPct = targets[h.symbol] ?? 0;
      const unitUsd = priced ? price / 10 ** h.decimals : 0;
      return {
        symbol: h.symbol,
        amount: h.amount,
        decimals: h.decimals,
        price,
        priced,
        value: priced ? Number(h.amount) * unitUsd : 0,
        target: targetPct / 100,
        band: bandPct(targetPct, c) / 100,
        unitUsd,
        isHub: h.symbol === c.hub,
      };
    })
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
}

/** Every priced asset inside its band, and every unpriced one neither held nor needed outside its band. */
function allInBand(slots: Slot[], value: number): boolean {
  const inside = (s: Slot) => {
    const w = s.value / value;
    return w <= s.target + s.band && w >= s.target - s.band;
  };
  return slots.every((s) => (s.priced ? inside(s) : s.amount === 0n && s.target <= s.band));
}

function planContext(slots: Slot[], bySymbol: Map<string, Slot>, hub: Slot, value: number, c: RebalanceConstraints): PlanContext {
  const unitSum = slots.reduce((sum, s) => sum + s.unitUsd, 0);
  const chunkFactor = Number.isFinite(c.maxTradeUsd) ? 1 + Math.min(10_000, Math.ceil(value / c.maxTradeUsd)) : 2;
  return {
    slots,
    bySymbol,
    hub,
    value,
    keep: 1 - c.feeBps / 10_000,
    min: c.minTradeUsd,
    max: c.maxTradeUsd,
    budget: c.maxTurnoverUsd,
    routes: parseRoutes(c.directRoutes ?? [], bySymbol, c.hub),
    slack: 1e-9 * value + 4 * unitSum * chunkFactor,
    guard: 0,
  };
}

/** A swap's reason in words: what it does and, for each asset it serves, where that asset stands against its band. */
function legReasoner(bySymbol: Map<string, Slot>, before: Record<string, number>): (leg: Leg) => string {
  const pct = (n: number) => `${n.toFixed(2)}%`;
  const describe = (sym: string) => {
    const s = bySymbol.get(sym);
    const target = s?.target ?? 0;
    const band = s?.band ?? 0;
    const lo = Math.max(0, target - band) * 100;
    const hi = Math.min(1, target + band) * 100;
    return `${sym} at ${pct(before[sym] ?? 0)} (band ${pct(lo)}-${pct(hi)}, target ${pct(target * 100)})`;
  };
  return (leg) => {
    const verb =
      leg.kind === "sell"
        ? `sell ${leg.from} for ${leg.to}`
        : leg.kind === "buy"
          ? `buy ${leg.to} with ${leg.from}`
          : `direct ${leg.from}>${leg.to} (one fee instead of two)`;
    return `${verb}: ${leg.serves.map(describe).join("; ")}`;
  };
}

/** A leg that rounding or a limit cut leaves the assets it served (and the hub) with that limit as their reason, unless one is known. */
function noteCuts(cut: SwapBuild["cut"], reasons: Map<string, Blocker>, c: RebalanceConstraints): void {
  for (const { leg, why } of cut) {
    const text =
      why === "split"
        ? REASON.split(c.maxTradeUsd, c.minTradeUsd)
        : why === "unit"
          ? REASON.unit(leg.from, c.maxTradeUsd)
          : leg.kind === "buy"
            ? REASON.cash(c.hub)
            : Number.isFinite(c.maxTurnoverUsd)
              ? REASON.turnover(c.maxTurnoverUsd)
              : REASON.held(leg.from);
    for (const sym of [...leg.serves, c.hub]) if (!reasons.has(sym)) reasons.set(sym, text);
  }
}

/** The plan: weights after the swaps, turnover and fees, and what is still outside its band (within rounding). */
function outcome(
  slots: Slot[],
  built: SwapBuild,
  before: Record<string, number>,
  keep: number,
  why: { reasons: Map<string, Blocker>; fallback: Blocker },
): RebalancePlan {
  const unitSum = slots.reduce((sum, s) => sum + s.unitUsd, 0);
  const afterValue = (s: Slot) => (s.priced ? Number(built.balances.get(s.symbol) ?? 0n) * s.unitUsd : 0);
  const valueAfter = slots.reduce((sum, s) => sum + afterValue(s), 0);
  const turnoverUsd = built.swaps.reduce((sum, s) => sum + s.usd, 0);
  const tolUsd = 1e-9 * valueAfter + (built.swaps.length + 1) * unitSum;
  const blocked = classify(slots, afterValue, valueAfter, tolUsd, why.reasons, why.fallback);
  return {
    swaps: built.swaps,
    before,
    after: weights(slots, afterValue, valueAfter),
    turnoverUsd,
    feesUsd: turnoverUsd * (1 - keep),
    blocked,
    inBand: blocked.length === 0,
  };
}

/**
 * The value the weights end up measured against is the value less fees, which depend on the plan:
 * repeat passes until it settles. When a trade near a threshold flips in and out (its fee moves the
 * value back and forth), judge and aim further inside the edges by that swing and settle again.
 */
function settle(ctx: PlanContext): { pass: PassResult; settled: boolean } {
  let pass!: PassResult;
  for (let attempt = 0; attempt < 4; attempt++) {
    let X = ctx.value;
    pass = solvePass(ctx, X);
    const seen: number[] = [];
    let shape = "";
    for (let i = 0; i < 24; i++) {
      const next = ctx.value - pass.fees;
      // Settled: the value after fees agrees, and the same legs were chosen twice in a row.
      const now = pass.legs.map((l) => `${l.kind}:${l.from}>${l.to}`).join(",");
      if (Math.abs(next - X) <= 1e-12 * ctx.value && now === shape) return { pass, settled: true };
      shape = now;
      seen.push(next);
      X = next;
      pass = solvePass(ctx, X, pass.ownFee);
    }
    const recent = seen.slice(-6);
    ctx.guard += 2 * (Math.max(...recent) - Math.min(...recent)) + 1e-9 * ctx.value;
  }
  return { pass, settled: false };
}

/** Band half-width in percentage points for a target: the wider of the absolute and relative bands. */
export function bandPct(targetPct: number, c: Pick<RebalanceConstraints, "bandAbsPct" | "bandRelPct">): number {
  return Math.max(c.bandAbsPct ?? 0, ((c.bandRelPct ?? 0) * targetPct) / 100);
}

/** Weights in percent of `total`, for every asset whose value is known (unpriced holdings are left out). */
function weights(slots: Slot[], valueOf: (s: Slot) => number, total: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of slots) {
    if (!s.priced && s.amount > 0n) continue;
    out[s.symbol] = total > 0 ? (valueOf(s) / total) * 100 : 0;
  }
  return out;
}

/** Every asset outside its band (beyond `tolUsd`) or held without a price, with why. */
function classify(
  slots: Slot[],
  valueOf: (s: Slot) => number,
  total: number,
  tolUsd: number,
  reasons: Map<string, Blocker>,
  fallback: Blocker,
): BlockedAsset[] {
  const blocked: BlockedAsset[] = [];
  const tol = total > 0 ? tolUsd / total : 0;
  for (const s of slots) {
    if (!s.priced && s.amount > 0n) {
      blocked.push({ symbol: s.symbol, ...REASON.noPrice(true) });
      continue;
    }
    const w = total > 0 ? valueOf(s) / total : 0;
    if (w > s.target + s.band + tol || w < s.target - s.band - tol) {
      blocked.push({ symbol: s.symbol, ...(!s.priced ? REASON.noPrice(false) : (reasons.get(s.symbol) ?? fallback)) });
    }
  }
  return blocked;
}

function parseRoutes(routes: readonly string[], bySymbol: Map<string, Slot>, hub: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const r of routes) {
    const [a, b, extra] = r.split(">").map((x) => x.trim());
    if (!a || !b || extra !== undefined) throw new Error(`direct route "${r}" must look like SOL>JUP`);
    if (a === b || a === hub || b === hub || !bySymbol.has(a) || !bySymbol.has(b)) continue;
    if (!out.some(([x, y]) => x === a && y === b)) out.push([a, b]);
  }
  return out;
}

function validate(holdings: ReadonlyArray<RebalanceHolding>, targets: Readonly<Record<string, number>>, c: RebalanceConstraints): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const h of holdings) {
    if (seen.has(h.symbol)) problems.push(`holding ${h.symbol} is listed twice`);
    seen.add(h.symbol);
    if (h.amount < 0n) problems.push(`holding ${h.symbol} is negative`);
    if (!Number.isInteger(h.decimals) || h.decimals < 0 || h.decimals > 30) problems.push(`holding ${h.symbol} has bad decimals ${h.decimals}`);
  }
  let sum = 0;
  for (const [sym, pct] of Object.entries(targets)) {
    if (!Number.isFinite(pct) || pct < 0) problems.push(`target ${sym} must be a percentage >= 0`);
    sum += pct;
    if (!seen.has(sym)) problems.push(`target ${sym} has no holding row (give amount 0 when none is held)`);
  }
  if (Math.abs(sum - 100) > 0.01) problems.push(`targets sum to ${sum}, not 100`);
  if (!seen.has(c.hub)) problems.push(`the hub ${c.hub} has no holding row (give amount 0 when none is held)`);
  const nonNeg = (v: number | undefined, what: string) => {
    if (v !== undefined && !(v >= 0)) problems.push(`${what} must be >= 0`);
  };
  nonNeg(c.bandAbsPct, "bandAbsPct");
  nonNeg(c.bandRelPct, "bandRelPct");
  nonNeg(c.minTradeUsd, "minTradeUsd");
  nonNeg(c.maxTurnoverUsd, "maxTurnoverUsd");
  if (!(c.maxTradeUsd > 0) || !(c.maxTradeUsd >= c.minTradeUsd)) problems.push("maxTradeUsd must be > 0 and >= minTradeUsd");
  if (!(c.feeBps >= 0 && c.feeBps < 10_000)) problems.push("feeBps must be in [0, 10000)");
  if (problems.length) throw new Error(`planRebalance: ${problems.join("; ")}`);
}
