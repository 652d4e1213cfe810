import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alreadyInBand, bandPct, planRebalance } from "../../core/domain/rebalance.js";
import type { BlockLimit, RebalanceConstraints, RebalanceHolding, RebalancePlan } from "../../core/domain/rebalance.js";

/**
 * Random portfolios through the planner, checked by an independent model of the swaps:
 * `amountIn` of `from` is worth amountIn / 10^decimals * price; `to` receives that worth less the
 * fee, rounded down to its base units.
 */

const ASSETS = [
  { symbol: "USDC", decimals: 6 },
  { symbol: "SOL", decimals: 9 },
  { symbol: "JUP", decimals: 6 },
  { symbol: "BONK", decimals: 5 },
  { symbol: "WBTC", decimals: 8 },
  { symbol: "ETH", decimals: 8 },
  { symbol: "NFTX", decimals: 0 },
] as const;
const HUB = "USDC";

/** Known limits a blocked asset may cite (each states which limit). */
const LIMIT =
  /below the \$[\d,.]+ minimum|daily turnover cap|not enough \w+ |cannot be split|base unit of \w+ is worth more|no price|no other asset can take|has no price|no priced value|band too narrow for a \d+ bps fee/;

/** What each typed limit says in words: the `limit` a blocked asset carries agrees with its reason. */
const LIMIT_TEXT: Record<BlockLimit, RegExp> = {
  no_price: /^no price: /,
  hub_unpriced: /\(the hub\) has no price: nothing can trade$/,
  no_value: /^the portfolio has no priced value to trade$/,
  min_trade: /^needs a .* trade, below the \$[\d,.]+ minimum$/,
  split: /maximum trade cannot be split into chunks/,
  unit: /^one base unit of \w+ is worth more than/,
  turnover: /^daily turnover cap reached/,
  cash: /^not enough \w+ to pay for the buy/,
  held: /^not enough \w+ held for the planned sell/,
  hub_stuck: /^no other asset can take the \w+ difference/,
  fee_band: /^band too narrow for a \d+ bps fee/,
  rounding: /by rounding to base units$/,
};

const priceArb = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -5, max: 5.3, noNaN: true }).map((x) => 10 ** x) },
  { weight: 6, arbitrary: fc.constantFrom(0.00002, 100_000, 1, 0.9998, 150) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) }, // no price
);

const portfolioArb = fc
  .record({
    count: fc.integer({ min: 2, max: ASSETS.length }),
    prices: fc.array(priceArb, { minLength: ASSETS.length, maxLength: ASSETS.length }),
    hubPrice: fc.oneof({ weight: 60, arbitrary: fc.double({ min: 0.98, max: 1.02, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(Number.NaN) }),
    usd: fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.double({ min: -2, max: 7, noNaN: true }).map((x) => 10 ** x) }), {
      minLength: ASSETS.length,
      maxLength: ASSETS.length,
    }),
    weights: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: ASSETS.length, maxLength: ASSETS.length }),
    abs: fc.option(fc.double({ min: 0.2, max: 20, noNaN: true }), { nil: undefined }),
    rel: fc.option(fc.double({ min: 2, max: 60, noNaN: true }), { nil: undefined }),
    // Limits relative to the portfolio's value, from none to harsh.
    minFrac: fc.oneof(
      { weight: 2, arbitrary: fc.constant(0) },
      { weight: 4, arbitrary: fc.double({ min: -6, max: -1.5, noNaN: true }).map((x) => 10 ** x) },
      { weight: 1, arbitrary: fc.double({ min: -1.5, max: -0.5, noNaN: true }).map((x) => 10 ** x) },
    ),
    maxMul: fc.oneof(
      { weight: 2, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
      { weight: 1, arbitrary: fc.double({ min: 1, max: 3, noNaN: true }) },
      { weight: 2, arbitrary: fc.double({ min: 0, max: 3, noNaN: true }).map((x) => 10 ** x) },
    ),
    turnoverFrac: fc.oneof(
      { weight: 3, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 3, arbitrary: fc.double({ min: -3, max: 0.3, noNaN: true }).map((x) => 10 ** x) },
    ),
    feeBps: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 800 }) }),
    routes: fc.subarray(["SOL>JUP", "JUP>SOL", "BONK>SOL", "WBTC>ETH", "ETH>WBTC", "SOL>BONK"]),
  })
  .map((r) => {
    const assets = ASSETS.slice(0, r.count);
    const prices: Record<string, number> = {};
    const holdings: RebalanceHolding[] = assets.map((a, i) => {
      const p = a.symbol === HUB ? r.hubPrice : r.prices[i]!;
      if (Number.isFinite(p)) prices[a.symbol] = p;
      const units = Number.isFinite(p) ? Math.floor((r.usd[i]! / p) * 10 ** a.decimals) : Math.floor(r.usd[i]! * 1000);
      return { symbol: a.symbol, amount: BigInt(units), decimals: a.decimals };
    });
    // Integer weights -> percentages summing to 100 (assets with weight 0 are left out of the targets).
    const w: number[] = assets.map((_, i) => r.weights[i]!);
    if (!w.some((x) => x > 0)) w[0] = 1;
    const sum = w.reduce((a, b) => a + b, 0);
    const targets: Record<string, number> = {};
    let acc = 0;
    let last = "";
    assets.forEach((a, i) => {
      if (w[i]! > 0) {
        targets[a.symbol] = (w[i]! / sum) * 100;
        acc += targets[a.symbol]!;
        last = a.symbol;
      }
    });
    targets[last] = targets[last]! + (100 - acc);
    const value = holdings.reduce((s, h) => s + (prices[h.symbol] ? (Number(h.amount) / 10 ** h.decimals) * prices[h.symbol]! : 0), 0);
    const scale = Math.max(value, 1);
    const min = r.minFrac * scale;
    const constraints: RebalanceConstraints = {
      bandAbsPct: r.abs,
      bandRelPct: r.abs === undefined && r.rel === undefined ? 10 : r.rel,
      minTradeUsd: min,
      maxTradeUsd: Number.isFinite(r.maxMul) ? Math.max(min, 1e-9) * r.maxMul + scale * 0.002 * r.maxMul : r.maxMul,
      maxTurnoverUsd: r.turnoverFrac * scale,
      feeBps: r.feeBps,
      hub: HUB,
      directRoutes: r.routes.filter((x) => x.split(">").every((s) => assets.some((a) => a.symbol === s))),
    };
    return { holdings, prices, targets, constraints };
  });

interface Checked {
  blocked: number;
  swaps: number;
  cited: Set<string>;
}

/** Applies the plan with the independent model and checks every promise the planner makes. */
function check(holdings: RebalanceHolding[], prices: Record<string, number>, targets: Record<string, number>, c: RebalanceConstraints, plan: RebalancePlan): Checked {
  const keep = 1 - c.feeBps / 10_000;
  const dec = new Map(holdings.map((h) => [h.symbol, h.decimals]));
  const bal = new Map(holdings.map((h) => [h.symbol, h.amount]));
  const unitUsd = (s: string) => (prices[s] ?? 0) / 10 ** dec.get(s)!;
  const valueOf = (m: Map<string, bigint>) => [...m].reduce((s, [sym, u]) => s + (prices[sym] ? Number(u) * unitUsd(sym) : 0), 0);
  const before = valueOf(bal);
  let turnover = 0;
  // Plain checks in this loop (plans can hold hundreds of chunks; expect() is slow per call).
  const fail = (msg: string, s: object) => {
    throw new Error(`${msg}: ${JSON.stringify(s, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}`);
  };
  for (const s of plan.swaps) {
    if (!(prices[s.from]! > 0) || !(prices[s.to]! > 0)) fail("traded without a price", s);
    if (s.amountIn <= 0n) fail("amountIn is not positive", s);
    const worth = (Number(s.amountIn) / 10 ** dec.get(s.from)!) * prices[s.from]!;
    if (Math.abs(worth - s.usd) > 1e-9 * worth + 1e-12) fail(`usd is not what amountIn is worth (${worth})`, s);
    if (s.usd < c.minTradeUsd * (1 - 1e-9)) fail(`below the minimum ${c.minTradeUsd}`, s);
    if (s.usd > c.maxTradeUsd * (1 + 1e-9)) fail(`above the maximum ${c.maxTradeUsd}`, s);
    if (!(s.from === HUB || s.to === HUB || c.directRoutes?.includes(`${s.from}>${s.to}`))) fail("neither through the hub nor a direct route", s);
    const left = bal.get(s.from)! - s.amountIn;
    if (left < 0n) fail(`${s.from} would go negative`, s);
    bal.set(s.from, left);
    bal.set(s.to, bal.get(s.to)! + BigInt(Math.floor((worth * keep) / unitUsd(s.to))));
    turnover += worth;
  }
  // Sells come before buys: once the hub pays out, nothing pays into it again.
  const firstBuy = plan.swaps.findIndex((s) => s.from === HUB);
  if (firstBuy >= 0) expect(plan.swaps.slice(firstBuy).some((s) => s.to === HUB)).toBe(false);

  const after = valueOf(bal);
  const units = holdings.reduce((s, h) => s + unitUsd(h.symbol), 0);
  const rounding = 1e-9 * before + 2 * (plan.swaps.length + 1) * units;
  expect(Math.abs(turnover - plan.turnoverUsd)).toBeLessThanOrEqual(1e-9 * turnover + 1e-9);
  expect(Math.abs(plan.feesUsd - turnover * (1 - keep))).toBeLessThanOrEqual(1e-9 * turnover + 1e-9);
  expect(after).toBeLessThanOrEqual(before - plan.feesUsd + rounding);
  expect(after).toBeGreaterThanOrEqual(before - plan.feesUsd - rounding);
  expect(plan.turnoverUsd).toBeLessThanOrEqual(c.maxTurnoverUsd * (1 + 1e-9) + 1e-9);

  for (const b of plan.blocked) expect(b.reason, `${b.symbol}: limit ${b.limit}`).toMatch(LIMIT_TEXT[b.limit]);
  const blocked = new Map(plan.blocked.map((b) => [b.symbol, b.reason]));
  const cited = new Set<string>();
  const tol = after > 0 ? (1e-8 * after + 1.01 * (plan.swaps.length + 1) * units) / after : 0;
  for (const h of holdings) {
    const reason = blocked.get(h.symbol);
    if (reason !== undefined) {
      expect(reason, `${h.symbol}: "${reason}"`).toMatch(LIMIT);
      // The limit cited is one that was actually set.
      if (/turnover cap/.test(reason)) expect(Number.isFinite(c.maxTurnoverUsd)).toBe(true);
      if (/below the .* minimum/.test(reason)) expect(c.minTradeUsd).toBeGreaterThan(0);
      if (/cannot be split|maximum trade/.test(reason)) expect(Number.isFinite(c.maxTradeUsd)).toBe(true);
      cited.add(reason.replace(/[\d,.$]+/g, "#"));
    }
    if (!prices[h.symbol] && h.amount > 0n) {
      expect(reason, `${h.symbol} has no price but is not blocked`).toMatch(/no price/);
      continue;
    }
    const t = (targets[h.symbol] ?? 0) / 100;
    const b = bandPct(targets[h.symbol] ?? 0, c) / 100;
    const w = after > 0 && prices[h.symbol] ? (Number(bal.get(h.symbol)!) * unitUsd(h.symbol)) / after : 0;
    if (w > t + b + tol || w < t - b - tol) {
      expect(reason, `${h.symbol} at ${(w * 100).toFixed(6)}% is outside ${((t - b) * 100).toFixed(4)}..${((t + b) * 100).toFixed(4)} and not blocked`).toBeDefined();
    } else if (after > 0) {
      expect(Math.abs(plan.after[h.symbol]! - w * 100)).toBeLessThanOrEqual(1e-6);
    }
  }
  expect(plan.inBand).toBe(plan.blocked.length === 0);
  return { blocked: plan.blocked.length, swaps: plan.swaps.length, cited };
}

describe("rebalance planner, random portfolios (fast-check)", () => {
  it("lands every asset in its band or says which limit stopped it; never negative; value kept less fees; limits kept; deterministic", () => {
    const stats = { runs: 0, traded: 0, blocked: 0, cited: new Map<string, number>() };
    fc.assert(
      fc.property(portfolioArb, ({ holdings, prices, targets, constraints }) => {
        const plan = planRebalance(holdings, prices, targets, constraints);
        expect(planRebalance(holdings, prices, targets, constraints)).toEqual(plan); // deterministic
        const r = check(holdings, prices, targets, constraints, plan);
        stats.runs++;
        if (r.swaps > 0) stats.traded++;
        if (r.blocked > 0) stats.blocked++;
        for (const c of r.cited) stats.cited.set(c, (stats.cited.get(c) ?? 0) + 1);
      }),
      { numRuns: 3000, seed: 20250618 },
    );
    // The generator reaches the interesting cases: trades happen, and limits get hit.
    expect(stats.runs).toBe(3000);
    expect(stats.traded).toBeGreaterThan(1800);
    expect(stats.blocked).toBeGreaterThan(600);
    const cited = [...stats.cited.keys()].join("\n");
    expect(cited).toMatch(/turnover cap/);
    expect(cited).toMatch(/minimum/);
    expect(cited).toMatch(/no price/);
    expect(cited).not.toMatch(/by rounding to base units/);
  });

  it("also holds under random seeds (1,000 more portfolios)", () => {
    fc.assert(
      fc.property(portfolioArb, ({ holdings, prices, targets, constraints }) => {
        check(holdings, prices, targets, constraints, planRebalance(holdings, prices, targets, constraints));
      }),
      // RB_RUNS=100000 for a longer soak (about three minutes).
      { numRuns: Number(process.env.RB_RUNS ?? 1000) },
    );
  }, 900_000);
});

describe("alreadyInBand (the backtest's shortcut between rebalances)", () => {
  /** The same portfolios moved to their target weights, then nudged: about half end inside every band. */
  const nearTarget = fc.tuple(portfolioArb, fc.array(fc.double({ min: -0.15, max: 0.15, noNaN: true }), { minLength: ASSETS.length, maxLength: ASSETS.length })).map(([p, nudge]) => {
    const value = Math.max(1, p.holdings.reduce((s, h) => s + (p.prices[h.symbol] ? (Number(h.amount) / 10 ** h.decimals) * p.prices[h.symbol]! : 0), 0));
    const holdings = p.holdings.map((h, i) => {
      const price = p.prices[h.symbol];
      if (!price) return h;
      const usd = (value * (p.targets[h.symbol] ?? 0) * (1 + nudge[i]!)) / 100;
      return { ...h, amount: BigInt(Math.floor((usd / price) * 10 ** h.decimals)) };
    });
    return { ...p, holdings };
  });

  it("answers as the planner does: in band exactly when every weight it reports is inside its band, and then no swaps", () => {
    const seen = { inBand: 0, out: 0 };
    fc.assert(
      fc.property(fc.oneof(portfolioArb, nearTarget), ({ holdings, prices, targets, constraints }) => {
        const plan = planRebalance(holdings, prices, targets, constraints);
        const fast = alreadyInBand(holdings, prices, targets, constraints);
        const hubPriced = (prices[constraints.hub] ?? 0) > 0;
        const weights = Object.entries(plan.before);
        const near = weights.some(([sym, pct]) => {
          const t = (targets[sym] ?? 0) / 100;
          const b = bandPct(targets[sym] ?? 0, constraints) / 100;
          return Math.abs(pct / 100 - (t + b)) < 1e-9 || Math.abs(pct / 100 - (t - b)) < 1e-9;
        });
        fc.pre(!near);
        const heldUnpriced = holdings.some((h) => !(prices[h.symbol]! > 0) && h.amount > 0n);
        const total = holdings.reduce((s, h) => s + (prices[h.symbol]! > 0 ? Number(h.amount) * (prices[h.symbol]! / 10 ** h.decimals) : 0), 0);
        const inside = weights.every(([sym, pct]) => {
          const t = (targets[sym] ?? 0) / 100;
          const b = bandPct(targets[sym] ?? 0, constraints) / 100;
          return pct / 100 <= t + b && pct / 100 >= t - b;
        });
        expect(fast).toBe(hubPriced && total > 0 && !heldUnpriced && inside);
        if (fast) {
          expect(plan.swaps).toEqual([]);
          expect(plan.inBand).toBe(true);
          expect(plan.after).toEqual(plan.before);
        }
        seen[fast ? "inBand" : "out"]++;
      }),
      { numRuns: 600 },
    );
    expect(seen.inBand).toBeGreaterThan(30);
    expect(seen.out).toBeGreaterThan(30);
  });
});
