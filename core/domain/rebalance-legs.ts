import type { Blocker, Leg, PlanContext, Slot } from "./rebalance-types.js";

/** What one planning pass decided. */
export interface PassResult {
  legs: Leg[];
  /** Why an asset may be left outside its band (first limit that cut one of its trades). */
  reasons: Map<string, Blocker>;
  fees: number;
  /** Fees of the legs serving each asset: the next pass judges that asset without them. */
  ownFee: Map<string, number>;
}

export interface Edges {
  /** Outside these (USD) an asset trades: the band's edges, moved inside by the guard. */
  lo: number;
  hi: number;
  /** Where a trade aims: a little further inside, by the rounding slack. */
  aimLo: number;
  aimHi: number;
}

/** Band edges of a slot in USD for a portfolio worth `X`. */
export function edges(s: Slot, X: number, ctx: Pick<PlanContext, "slack" | "guard">): Edges {
  const lo = Math.max(0, s.target - s.band) * X;
  const hi = Math.min(1, s.target + s.band) * X;
  const g = Math.min(ctx.guard, (hi - lo) / 4);
  const m = Math.min(ctx.slack, (hi - lo) / 4 - g);
  return { lo: lo + g, hi: hi - g, aimLo: lo + g + m, aimHi: hi - g - m };
}

export const usd = (n: number) =>
  n > 0 && n < 0.0001
    ? "<$0.0001"
    : n > 0 && n < 0.01
      ? `$${n.toPrecision(2).replace(/0+$/, "")}`
      : `$${n.toLocaleString("en-US", { minimumFractionDigits: n < 100 ? 2 : 0, maximumFractionDigits: n < 100 ? 2 : 0 })}`;

/** The limits that leave an asset outside its band, each with its reason in words. */
export const REASON = {
  min: (need: number, min: number): Blocker => ({ limit: "min_trade", reason: `needs a ${usd(need)} trade, below the ${usd(min)} minimum` }),
  turnover: (budget: number): Blocker => ({ limit: "turnover", reason: `daily turnover cap reached (${usd(budget)} was left today)` }),
  cash: (hub: string): Blocker => ({ limit: "cash", reason: `not enough ${hub} to pay for the buy (its sells were blocked or cut)` }),
  held: (sym: string): Blocker => ({ limit: "held", reason: `not enough ${sym} held for the planned sell after rounding` }),
  split: (max: number, min: number): Blocker => ({
    limit: "split",
    reason: `a ${usd(max)} maximum trade cannot be split into chunks of at least the ${usd(min)} minimum`,
  }),
  unsettled: (feeBps: number, min: number): Blocker => ({
    limit: "fee_band",
    reason: `band too narrow for a ${feeBps} bps fee: the fees of the trades that would fix it move the weights back out (minimum trade ${usd(min)})`,
  }),
  unit: (sym: string, max: number): Blocker => ({ limit: "unit", reason: `one base unit of ${sym} is worth more than the ${usd(max)} maximum trade` }),
  stuck: (hub: string, min: number): Blocker => ({ limit: "hub_stuck", reason: `no other asset can take the ${hub} difference in trades of at least ${usd(min)}` }),
  rounding: (): Blocker => ({ limit: "rounding", reason: "left just outside its band by rounding to base units" }),
  noPrice: (held: boolean): Blocker => ({ limit: "no_price", reason: held ? "no price: not valued and never traded" : "no price: cannot be bought" }),
  hubUnpriced: (hub: string): Blocker => ({ limit: "hub_unpriced", reason: `${hub} (the hub) has no price: nothing can trade` }),
  noValue: (): Blocker => ({ limit: "no_value", reason: "the portfolio has no priced value to trade" }),
};

const bySymbol = (a: Slot, b: Slot) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);

/**
 * One planning pass for an assumed value after fees `X`: which asset moves by how much (USD),
 * how that is routed (direct pairs, else through the hub), and what the limits let through.
 * Pure; `planRebalance` repeats it until `X` agrees with the fees it implies.
 */
export function solvePass(ctx: PlanContext, X: number, ownFee: ReadonlyMap<string, number> = new Map()): PassResult {
  const { keep, min, hub } = ctx;
  const tol = 1e-12 * X;
  const reasons = new Map<string, Blocker>();
  const note = (sym: string, why: Blocker) => {
    if (!reasons.has(sym)) reasons.set(sym, why);
  };
  const tradeable = ctx.slots.filter((s) => s.priced && !s.isHub).sort(bySymbol);
  const delta = new Map<string, number>(); // USD change of each asset's value: + received, - sold
  const extra = new Map<string, number>(); // the same, to bring the hub back into its band
  const prio = new Map<string, number>();
  const fixed = new Set<string>(); // assets with an `extra` move
  const severity = (v: number, s: Slot) => ((Math.abs(v - s.target * X) - s.band * X) / X) * 100;

  // 1. Assets outside their band go to the nearest edge (least turnover). Whether an asset is out
  //    is judged at the value the portfolio would have without the fee of its own trade, so that
  //    trading (which lowers that value) cannot undo the reason it traded.
  for (const s of tradeable) {
    const Xd = X + (ownFee.get(s.symbol) ?? 0);
    const ed = edges(s, Xd, ctx);
    const e = edges(s, X, ctx);
    let d: number;
    if (s.value > ed.hi + tol) d = Math.min(0, e.aimHi - s.value);
    else if (s.value < ed.lo - tol) d = Math.max(0, e.aimLo - s.value);
    else continue;
    const dir = s.value > ed.hi ? -1 : 1;
    prio.set(s.symbol, severity(s.value, s));
    const size = d < 0 ? -d : d / keep;
    if (size < min || d === 0) {
      // Dust: trade the minimum instead when that lands inside the band whether or not its own
      // fee is counted, else leave it.
      const post = dir < 0 ? s.value - min : s.value + min * keep;
      const inside = [X, Xd, Xd - min * (1 - keep)].every((x) => {
        const b = edges(s, x, ctx);
        return post >= b.aimLo && post <= b.aimHi;
      });
      if (min > 0 && inside && post >= 0) d = post - s.value;
      else {
        if (min > 0) note(s.symbol, REASON.min(size, min));
        continue;
      }
    }
    delta.set(s.symbol, d);
  }

  // 2. Route, then bring the hub back inside its band by moving other assets toward their targets.
  const he = edges(hub, X, ctx);
  let hubSev = 0;
  const moves = { delta, extra, prio, fixed, hubSev: () => hubSev };
  let legs = route(ctx, X, tradeable, moves, tol);
  for (let round = 0; round < 4; round++) {
    const H = hubAfter(hub.value, legs, keep);
    if (H <= he.hi + tol && H >= he.lo - tol) break;
    if (round === 0) hubSev = severity(H, hub);
    const ok =
      H > he.hi
        ? shift(ctx, X, tradeable, moves, (H - he.aimHi) * keep, he.aimHi - he.aimLo, +1, tol)
        : shift(ctx, X, tradeable, moves, (he.aimLo - H) / keep, he.aimHi - he.aimLo, -1, tol);
    if (!ok) note(hub.symbol, REASON.stuck(hub.symbol, min));
    legs = route(ctx, X, tradeable, moves, tol);
    if (!ok) break;
  }

  // 3. Limits: minimum size, splitting, the turnover budget and the hub's cash.
  const { kept, fees } = allocate(ctx, legs, note);
  // A direct swap's fee is not one side's own: without either side the other still trades.
  const own = new Map<string, number>();
  for (const leg of kept) {
    if (leg.kind === "direct") continue;
    for (const sym of leg.serves) own.set(sym, (own.get(sym) ?? 0) + leg.usd * (1 - keep));
  }
  return { legs: kept, reasons, fees, ownFee: own };
}

/** Hub value after the legs: sells pay in (less the fee), buys pay out. */
function hubAfter(h: number, legs: Leg[], keep: number): number {
  for (const l of legs) {
    if (l.kind === "sell") h += l.usd * keep;
    else if (l.kind === "buy") h -= l.usd;
  }
  return h;
}

/**
 * Moves `amount` USD of asset value (dir +1: buy with the hub's excess; -1: sell to refill the hub)
 * across assets, largest gap to target first, then up to the band edge. A new leg is at least the
 * minimum (taken whole when the hub's band has room for the overshoot). False when it did not fit.
 */
function shift(
  ctx: PlanContext,
  X: number,
  tradeable: Slot[],
  { delta, extra, fixed }: Moves,
  amount: number,
  hubRoom: number,
  dir: 1 | -1,
  tol: number,
): boolean {
  const { keep, min } = ctx;
  let left = amount;
  for (const pass of [0, 1]) {
    const gaps = tradeable
      .map((s) => {
        const cur = (delta.get(s.symbol) ?? 0) + (extra.get(s.symbol) ?? 0);
        const e = edges(s, X, ctx);
        const limit = pass === 0 ? s.target * X : dir > 0 ? e.aimHi : e.aimLo;
        return { s, gap: dir * (limit - s.value - cur), cur };
      })
      .filter((g) => g.gap > tol && dir * g.cur >= 0)
      .sort((a, b) => b.gap - a.gap || bySymbol(a.s, b.s));
    for (const g of gaps) {
      if (left <= tol) return true;
      let take = Math.min(left, g.gap);
      // A leg's size is what goes in: the hub's spend for a buy, the asset itself for a sell.
      const size = dir > 0 ? take / keep : take;
      if (g.cur === 0 && size < min) {
        const minTake = dir > 0 ? min * keep : min;
        if (minTake > g.gap || (minTake - left) * (dir > 0 ? 1 / keep : keep) > hubRoom) continue;
        take = minTake;
      }
      extra.set(g.s.symbol, (extra.get(g.s.symbol) ?? 0) + dir * take);
      fixed.add(g.s.symbol);
      left -= take;
    }
  }
  return left <= tol;
}

interface Moves {
  delta: Map<string, number>;
  extra: Map<string, number>;
  prio: Map<string, number>;
  fixed: Set<string>;
  hubSev: () => number;
}

/**
 * Turns per-asset moves into legs: direct pairs first (one fee instead of two), the rest via the
 * hub. Only the assets' own moves pair up directly; moves made for the hub go through the hub.
 */
function route(ctx: PlanContext, X: number, tradeable: Slot[], { delta, extra, prio, fixed, hubSev }: Moves, tol: number): Leg[] {
  const { keep, min, hub } = ctx;
  const sell = new Map<string, number>();
  const recv = new Map<string, number>();
  for (const s of tradeable) {
    const d = delta.get(s.symbol) ?? 0;
    if (d < 0) sell.set(s.symbol, -d);
    else if (d > 0) recv.set(s.symbol, d);
  }
  const pr = (sym: string) => Math.max(prio.get(sym) ?? 0, fixed.has(sym) ? hubSev() : 0);
  const serves = (sym: string) => (fixed.has(sym) ? [sym, hub.symbol] : [sym]);
  const legs: Leg[] = [];
  const stretch = new Map<string, number>(); // how far direct swaps moved an asset beyond its own move
  for (const [a, b] of ctx.routes) {
    const sa = sell.get(a) ?? 0;
    const rb = recv.get(b) ?? 0;
    if (sa <= tol || rb <= tol) continue;
    let u = Math.min(sa, rb / keep);
    // A remainder too small to trade on its own would be stranded: let the direct swap take it
    // when the other side stays inside its band, else keep both legs through the hub.
    const restA = sa - u;
    const restB = rb / keep - u;
    let stretched: [string, number] | undefined;
    if (restA > tol && restA < min) {
      const B = ctx.bySymbol.get(b)!;
      const postB = B.value + (delta.get(b) ?? 0) + (extra.get(b) ?? 0) + (stretch.get(b) ?? 0) + restA * keep;
      if (postB > edges(B, X, ctx).aimHi) continue;
      stretched = [b, restA * keep];
      u = sa;
    } else if (restB > tol && restB < min) {
      const A = ctx.bySymbol.get(a)!;
      const postA = A.value + (delta.get(a) ?? 0) + (extra.get(a) ?? 0) + (stretch.get(a) ?? 0) - restB;
      if (postA < edges(A, X, ctx).aimLo) continue;
      stretched = [a, -restB];
      u = rb / keep;
    }
    if (u < min || u <= tol) continue;
    if (stretched) stretch.set(stretched[0], (stretch.get(stretched[0]) ?? 0) + stretched[1]);
    legs.push({ kind: "direct", from: a, to: b, usd: u, prio: Math.max(pr(a), pr(b)), serves: [...serves(a), ...serves(b)] });
    sell.set(a, Math.max(0, sa - u));
    recv.set(b, Math.max(0, rb - u * keep));
  }
  for (const s of tradeable) {
    const sym = s.symbol;
    const net = (recv.get(sym) ?? 0) - (sell.get(sym) ?? 0) + (extra.get(sym) ?? 0);
    if (net < -tol) legs.push({ kind: "sell", from: sym, to: hub.symbol, usd: -net, prio: pr(sym), serves: serves(sym) });
    else if (net > tol) legs.push({ kind: "buy", from: hub.symbol, to: sym, usd: net / keep, prio: pr(sym), serves: serves(sym) });
  }
  return legs;
}

/** Largest size <= `u` that splits into equal chunks within [min, max]; 0 when none. */
export function fit(u: number, min: number, max: number): number {
  if (!(u > 0) || u < min) return 0;
  if (!Number.isFinite(max) || u <= max) return u;
  const n = Math.ceil(u / max);
  if (u / n >= min) return u;
  return (n - 1) * max; // n >= 2 here: n - 1 chunks of exactly max
}

const KIND_ORDER = { sell: 0, direct: 1, buy: 2 } as const;

/**
 * Spends the turnover budget on the most out-of-band assets first; buys are limited by the hub's
 * cash (what it holds plus what sells pay in, so nothing goes negative). Cut legs leave reasons.
 */
function allocate(ctx: PlanContext, legs: Leg[], note: (sym: string, why: Blocker) => void): { kept: Leg[]; fees: number } {
  const { keep, min, max, hub } = ctx;
  const order = [...legs].sort(
    (a, b) => b.prio - a.prio || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.from + ">" + a.to < b.from + ">" + b.to ? -1 : 1),
  );
  let budget = ctx.budget;
  let cash = hub.value;
  const got = new Map<Leg, number>();
  for (const leg of order) {
    let cap = Math.min(leg.usd, budget);
    if (leg.kind === "buy") cap = Math.min(cap, cash);
    const g = fit(cap, min, max);
    got.set(leg, g);
    budget -= g;
    if (leg.kind === "sell") cash += g * keep;
    else if (leg.kind === "buy") cash -= g;
  }
  // Buys held back for cash get a second go once every sell has paid in.
  for (const leg of order) {
    const have = got.get(leg) ?? 0;
    if (leg.kind !== "buy" || have >= leg.usd) continue;
    const g = fit(Math.min(leg.usd, have + budget, have + cash), min, max);
    if (g > have) {
      got.set(leg, g);
      budget -= g - have;
      cash -= g - have;
    }
  }
  const out: Leg[] = [];
  let fees = 0;
  for (const leg of order) {
    const g = got.get(leg) ?? 0;
    if (g < leg.usd * (1 - 1e-12)) {
      const why =
        leg.usd < min
          ? REASON.min(leg.usd, min)
          : fit(leg.usd, min, max) < leg.usd * (1 - 1e-12)
            ? REASON.split(max, min)
            : (g > 0 ? budget + g < leg.usd : budget < min)
              ? REASON.turnover(ctx.budget)
              : REASON.cash(hub.symbol);
      for (const sym of leg.serves) note(sym, why);
      if (leg.kind !== "direct") note(hub.symbol, why);
    }
    if (g > 0) {
      out.push({ ...leg, usd: g });
      fees += g * (1 - keep);
    }
  }
  return { kept: out, fees };
}
