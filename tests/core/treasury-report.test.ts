import { describe, expect, it } from "vitest";
import type { RebalancePlan } from "../../core/domain/rebalance.js";
import { amountHeld, SOL_MINT, valueHoldings } from "../../core/domain/valuation.js";
import {
  approvalButtons,
  approvalText,
  cycleText,
  reportChart,
  reportReply,
  treasuryReport,
  type TreasuryEvent,
} from "../../core/services/treasury/index.js";

const TARGETS = { SOL: 50, USDC: 50 };

const plan: RebalancePlan = {
  swaps: [{ from: "USDC", to: "SOL", amountIn: 2_000_000_000n, usd: 2000, reason: "buy SOL with USDC" }],
  before: { SOL: 30, USDC: 70 },
  after: { SOL: 49.9, USDC: 50.1 },
  turnoverUsd: 2000,
  feesUsd: 6,
  blocked: [{ symbol: "JUP", limit: "min_trade", reason: "needs a $3.00 trade, below the $10.00 minimum" }],
  inBand: false,
};

describe("treasury report: typed events to a Reply", () => {
  it("a breaker is a warning with its name, and no chart (nothing read from the title)", () => {
    const r = treasuryReport({ kind: "breaker", breaker: "daily_loss", why: "value fell more than 10% today" }, TARGETS);
    expect(r.severity).toBe("warning");
    expect(r.title).toBe("Treasury PAUSED: value fell more than 10% today");
    expect(r.rows).toContainEqual(["Breaker", "daily_loss"]);
    expect(reportChart(r, TARGETS)).toBeUndefined();
    const reply = reportReply(r);
    expect(reply.kind).toBe("warning");
    expect(reply.private).toBe(true);
    expect(reply.buttons).toBeUndefined();
  });

  it("a plan is information whatever its text says; one waiting for approval carries its id and expiry", () => {
    const odd: RebalancePlan = { ...plan, blocked: [{ symbol: "PAUSED", limit: "no_price", reason: "no price: cannot be bought" }] };
    const dry = treasuryReport({ kind: "dry_run", plan: odd }, TARGETS);
    expect(dry.severity).toBe("info");
    expect(dry.rows).toContainEqual(["Blocked PAUSED", "no price: cannot be bought"]);
    const e: TreasuryEvent = { kind: "approval", plan, id: "abc123", expiresAt: 1_000 };
    const r = treasuryReport(e, TARGETS);
    expect(r).toMatchObject({ severity: "info", title: "Treasury plan waiting for approval", approval: { id: "abc123", expiresAt: 1_000 } });
    expect(r.rows[0]).toEqual(["1. USDC -> SOL", "$2000.00 (buy SOL with USDC)"]);
    expect(reportChart(r, TARGETS)).toEqual({
      title: "Treasury plan waiting for approval",
      labels: ["SOL", "USDC"],
      series: [
        { label: "target", values: [50, 50] },
        { label: "before", values: [30, 70] },
        { label: "after", values: [49.9, 50.1] },
      ],
    });
    expect(approvalButtons("abc123").map((b) => [b.label, b.action, b.payload])).toEqual([
      ["Approve", "approve", { id: "abc123" }],
      ["Reject", "reject", { id: "abc123" }],
    ]);
  });

  it("results say in words what their kind is", () => {
    expect(cycleText({ kind: "busy", where: "elsewhere" })).toMatch(/^another instance is rebalancing right now/);
    expect(cycleText({ kind: "busy", where: "here" })).toMatch(/^a rebalance is already running/);
    expect(cycleText({ kind: "executed", filled: 1, planned: 3, failed: false, halted: "lease_lost" })).toBe(
      "1/3 swaps filled; stopped: lost the treasury lease (another instance may be rebalancing)",
    );
    expect(cycleText({ kind: "tripped", breaker: "turnover", why: "daily turnover cap reached" })).toBe("paused by the turnover breaker: daily turnover cap reached");
    expect(approvalText({ kind: "busy", where: "elsewhere", expiresAt: Date.UTC(2026, 11, 6, 10, 30) })).toMatch(/still pending until 2026-12-06 10:30 UTC\.$/);
  });
});

describe("valuation (shared by the treasury and trading)", () => {
  it("what a book holds of a mint: a paper position, or lamports / token accounts on-chain", () => {
    expect(amountHeld({ positions: [{ mint: "M", amount: 5n }] }, "M")).toBe(5n);
    expect(amountHeld({ positions: [] }, "M")).toBe(0n);
    const chain = { lamports: 7n, tokens: [{ mint: "M", amount: 2n }, { mint: "M", amount: 3n }, { mint: "N", amount: 9n }] };
    expect(amountHeld({ chain }, SOL_MINT)).toBe(7n);
    expect(amountHeld({ chain }, "M")).toBe(5n);
  });

  it("values holdings and gives the allocation in percent; unpriced assets are named", () => {
    const v = valueHoldings(
      [
        { symbol: "SOL", decimals: 9, amount: 2_000_000_000n },
        { symbol: "USDC", decimals: 6, amount: 300_000_000n },
        { symbol: "JUP", decimals: 6, amount: 1n },
      ],
      { SOL: 150, USDC: 1 },
    );
    expect(v.valueUsd).toBe(600);
    expect(v.allocation).toEqual({ SOL: 50, USDC: 50 });
    expect(v.missing).toEqual(["JUP"]);
  });
});
