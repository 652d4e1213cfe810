import { describe, expect, it } from "vitest";
import { applySwaps, bandPct, planRebalance } from "../../core/domain/rebalance.js";
import type { RebalanceConstraints, RebalanceHolding } from "../../core/domain/rebalance.js";

const DEC: Record<string, number> = { SOL: 9, USDC: 6, JUP: 6, BONK: 5, WBTC: 8 };
/** Holdings from whole-token amounts: { SOL: 60 } -> 60 SOL in base units. */
const hold = (amounts: Record<string, number>): RebalanceHolding[] =>
  Object.entries(amounts).map(([symbol, n]) => ({ symbol, decimals: DEC[symbol]!, amount: BigInt(Math.round(n * 10 ** DEC[symbol]!)) }));
const base: RebalanceConstraints = { bandAbsPct: 5, minTradeUsd: 10, maxTradeUsd: Infinity, maxTurnoverUsd: Infinity, feeBps: 0, hub: "USDC" };
const prices = { SOL: 100, USDC: 1, JUP: 1, BONK: 0.00002, WBTC: 100_000 };
const total = (swaps: { usd: number }[]) => swaps.reduce((s, x) => s + x.usd, 0);

describe("rebalance planner, hand-computed cases", () => {
  it("sells an overweight asset back to its band edge, not to its target", () => {
    // $10,000: SOL 60% vs 50 +-5 -> sell $500 so SOL sits at 55%.
    const plan = planRebalance(hold({ SOL: 60, USDC: 4000 }), prices, { SOL: 50, USDC: 50 }, base);
    expect(plan.swaps).toHaveLength(1);
    expect(plan.swaps[0]).toMatchObject({ from: "SOL", to: "USDC" });
    expect(plan.swaps[0]!.usd).toBeCloseTo(500, 3);
    expect(Number(plan.swaps[0]!.amountIn) / 1e9).toBeCloseTo(5, 6);
    expect(plan.before).toEqual({ SOL: 60, USDC: 40 });
    expect(plan.after.SOL).toBeCloseTo(55, 4);
    expect(plan.after.SOL).toBeLessThanOrEqual(55);
    expect(plan.after.USDC).toBeCloseTo(45, 4);
    expect(plan).toMatchObject({ feesUsd: 0, blocked: [], inBand: true });
  });

  it("counts the fee: the edge is measured against the value left after fees", () => {
    // 1% fee: (6000 - s) / (10000 - 0.01 s) = 0.55  =>  s = 500 / 0.9945 = 502.765
    const plan = planRebalance(hold({ SOL: 60, USDC: 4000 }), prices, { SOL: 50, USDC: 50 }, { ...base, feeBps: 100 });
    expect(plan.swaps).toHaveLength(1);
    expect(plan.swaps[0]!.usd).toBeCloseTo(502.765, 2);
    expect(plan.feesUsd).toBeCloseTo(5.02765, 4);
    expect(plan.after.SOL).toBeCloseTo(55, 4);
    const after = applySwaps(hold({ SOL: 60, USDC: 4000 }), prices, plan.swaps, 100);
    const value = after.reduce((s, h) => s + (Number(h.amount) / 10 ** h.decimals) * prices[h.symbol as keyof typeof prices], 0);
    expect(value).toBeCloseTo(10_000 - 5.02765, 3);
  });

  it("a direct route replaces the sell and the buy with one swap and pays one fee", () => {
    // SOL 50% (35-45), JUP 20% (25-35), USDC 30%. Direct: 2000 + 0.997u = 0.25 (10000 - 0.003u)
    // => u = 500 / 0.99775 = 501.1275; SOL ends at 4498.87 / 9998.50 = 44.995%, inside.
    const h = hold({ SOL: 50, JUP: 2000, USDC: 3000 });
    const targets = { SOL: 40, JUP: 30, USDC: 30 };
    const direct = planRebalance(h, prices, targets, { ...base, feeBps: 30, maxTradeUsd: 400, directRoutes: ["SOL>JUP"] });
    expect(direct.swaps.map((s) => `${s.from}>${s.to}`)).toEqual(["SOL>JUP", "SOL>JUP"]);
    expect(total(direct.swaps)).toBeCloseTo(501.1275, 2);
    const [a, b] = direct.swaps.map((s) => s.amountIn);
    expect(a! - b!).toBeGreaterThanOrEqual(0n); // equal chunks, at most one unit apart
    expect(a! - b!).toBeLessThanOrEqual(1n);
    expect(direct.after.JUP).toBeCloseTo(25, 4);
    expect(direct.inBand).toBe(true);

    const viaHub = planRebalance(h, prices, targets, { ...base, feeBps: 30, maxTradeUsd: 400 });
    expect(viaHub.swaps.map((s) => `${s.from}>${s.to}`)).toEqual(["SOL>USDC", "SOL>USDC", "USDC>JUP", "USDC>JUP"]);
    expect(direct.feesUsd).toBeLessThan(viaHub.feesUsd * 0.51);
    expect(viaHub.inBand).toBe(true);
  });

  it("sells before buys, and splits orders above the maximum into equal chunks", () => {
    // SOL 70% -> 45% (sell $2,500), JUP 0% -> 25% (buy $2,500); USDC stays at 30%.
    const plan = planRebalance(hold({ SOL: 70, JUP: 0, USDC: 3000 }), prices, { SOL: 40, JUP: 30, USDC: 30 }, { ...base, maxTradeUsd: 300 });
    const sells = plan.swaps.filter((s) => s.from === "SOL");
    const buys = plan.swaps.filter((s) => s.to === "JUP");
    expect(plan.swaps).toEqual([...sells, ...buys]);
    expect(sells).toHaveLength(9); // ceil(2500 / 300)
    expect(buys).toHaveLength(9);
    for (const s of plan.swaps) expect(s.usd).toBeCloseTo(2500 / 9, 2);
    expect(plan.after.SOL).toBeCloseTo(45, 4);
    expect(plan.after.JUP).toBeCloseTo(25, 4);
    expect(plan.after.USDC).toBeCloseTo(30, 4);
  });

  it("trades the minimum when a dust-sized need leaves room in the band", () => {
    // SOL 55.03%: $3 over its edge; min $10 -> sell $10, landing at 54.93%.
    const plan = planRebalance(hold({ SOL: 55.03, USDC: 4497 }), prices, { SOL: 50, USDC: 50 }, base);
    expect(plan.swaps).toHaveLength(1);
    expect(plan.swaps[0]!.usd).toBeCloseTo(10, 6);
    expect(plan.after.SOL).toBeCloseTo(54.93, 6);
    expect(plan.inBand).toBe(true);
  });

  it("skips dust it cannot trade, and says so", () => {
    // Band 50 +-0.02: SOL at 50.05% needs a $3 sell; the $10 minimum would overshoot the other edge.
    const plan = planRebalance(hold({ SOL: 50.05, USDC: 4995 }), prices, { SOL: 50, USDC: 50 }, { ...base, bandAbsPct: 0.02 });
    expect(plan.swaps).toEqual([]);
    expect(plan.blocked).toEqual([
      { symbol: "SOL", limit: "min_trade", reason: "needs a $3.00 trade, below the $10.00 minimum" },
      { symbol: "USDC", limit: "hub_stuck", reason: "no other asset can take the USDC difference in trades of at least $10.00" },
    ]);
    expect(plan.inBand).toBe(false);
  });

  it("spends the turnover budget on the most out-of-band asset first and reports the rest", () => {
    // SOL 64% (band 40-50, 14 pp out), JUP 8% (band 20-30, 12 pp out), USDC 28%; $1,500 left today.
    const plan = planRebalance(hold({ SOL: 64, JUP: 800, USDC: 2800 }), prices, { SOL: 45, JUP: 25, USDC: 30 }, { ...base, maxTurnoverUsd: 1500 });
    expect(plan.swaps[0]).toMatchObject({ from: "SOL", to: "USDC" });
    expect(plan.swaps[0]!.usd).toBeCloseTo(1400, 3);
    expect(plan.swaps[1]).toMatchObject({ from: "USDC", to: "JUP" });
    expect(plan.turnoverUsd).toBeLessThanOrEqual(1500);
    expect(plan.turnoverUsd).toBeCloseTo(1500, 3);
    expect(plan.after.SOL).toBeCloseTo(50, 4);
    expect(plan.after.JUP).toBeCloseTo(9, 3);
    expect(plan.blocked).toEqual([
      { symbol: "JUP", limit: "turnover", reason: "daily turnover cap reached ($1,500 was left today)" },
      { symbol: "USDC", limit: "turnover", reason: "daily turnover cap reached ($1,500 was left today)" },
    ]);
  });

  it("moves other assets toward their targets when the hub itself would leave its band", () => {
    // SOL and JUP at 20% (band 30-40) are bought to 30%; that leaves USDC at 40% (band 25-35),
    // so $500 more is deployed, largest gap first (a tie, so alphabetical: JUP).
    const plan = planRebalance(hold({ SOL: 20, JUP: 2000, USDC: 6000 }), prices, { SOL: 35, JUP: 35, USDC: 30 }, base);
    expect(plan.swaps.map((s) => `${s.from}>${s.to}`)).toEqual(["USDC>JUP", "USDC>SOL"]);
    expect(plan.after.JUP).toBeCloseTo(35, 3);
    expect(plan.after.SOL).toBeCloseTo(30, 3);
    expect(plan.after.USDC).toBeCloseTo(35, 3);
    expect(plan.inBand).toBe(true);
    expect(plan.swaps[0]!.reason).toMatch(/^buy JUP with USDC: JUP at 20.00% \(band 30.00%-40.00%, target 35.00%\); USDC at 60.00%/);
  });

  it("never trades an asset without a price and reports it", () => {
    const plan = planRebalance(hold({ SOL: 60, BONK: 1e9, USDC: 4000 }), { SOL: 100, USDC: 1 }, { SOL: 50, USDC: 50 }, base);
    expect(plan.swaps.every((s) => s.from !== "BONK" && s.to !== "BONK")).toBe(true);
    expect(plan.swaps).toHaveLength(1);
    expect(plan.before).toEqual({ SOL: 60, USDC: 40 });
    expect(plan.blocked).toEqual([{ symbol: "BONK", limit: "no_price", reason: "no price: not valued and never traded" }]);
  });

  it("sells a whole position to the last unit when its band is zero", () => {
    // WBTC is not in the targets (0%) and a relative band around 0 is 0: sell all of it.
    const h = hold({ SOL: 50, WBTC: 0.01234567, USDC: 3766.5433 });
    const plan = planRebalance(h, prices, { SOL: 50, USDC: 50 }, { ...base, bandAbsPct: undefined, bandRelPct: 20 });
    const wbtc = plan.swaps.filter((s) => s.from === "WBTC");
    expect(wbtc.reduce((s, x) => s + x.amountIn, 0n)).toBe(1_234_567n);
    expect(plan.after.WBTC).toBe(0);
  });

  it("leaves an in-band portfolio alone; bands take the wider of absolute and relative", () => {
    expect(bandPct(40, { bandAbsPct: 5, bandRelPct: 25 })).toBe(10);
    expect(bandPct(10, { bandAbsPct: 5, bandRelPct: 25 })).toBe(5);
    const plan = planRebalance(hold({ SOL: 49, USDC: 5100 }), prices, { SOL: 40, USDC: 60 }, { ...base, bandRelPct: 25 });
    expect(plan).toMatchObject({ swaps: [], turnoverUsd: 0, feesUsd: 0, blocked: [], inBand: true });
  });

  it("an empty portfolio plans nothing and says why", () => {
    const plan = planRebalance(hold({ SOL: 0, USDC: 0 }), prices, { SOL: 50, USDC: 50 }, base);
    expect(plan.swaps).toEqual([]);
    expect(plan.blocked.map((b) => b.reason)).toEqual(["the portfolio has no priced value to trade", "the portfolio has no priced value to trade"]);
    expect(plan.blocked.map((b) => b.limit)).toEqual(["no_value", "no_value"]);
  });

  it("refuses inputs that cannot be planned", () => {
    expect(() => planRebalance(hold({ SOL: 1, USDC: 1 }), prices, { SOL: 50, USDC: 40 }, base)).toThrow("targets sum to 90, not 100");
    expect(() => planRebalance(hold({ SOL: 1 }), prices, { SOL: 100 }, base)).toThrow("the hub USDC has no holding row");
    expect(() => planRebalance(hold({ SOL: 1, USDC: 1 }), prices, { SOL: 50, JUP: 50 }, base)).toThrow("target JUP has no holding row");
    expect(() => planRebalance(hold({ SOL: 1, USDC: 1 }), prices, { SOL: 50, USDC: 50 }, { ...base, minTradeUsd: 100, maxTradeUsd: 50 })).toThrow("maxTradeUsd");
  });
});
