import type { TreasurySettings } from "../../core/services/treasury.service.js";

export const TREASURY_TARGETS = { SOL: 40, USDC: 30, JUP: 15, WBTC: 10, BONK: 5 };

/** Treasury settings for tests: a $10,000 paper wallet in auto mode, hourly, with room to trade. */
export const treasurySettings = (over: Partial<TreasurySettings> = {}): TreasurySettings => ({
  mode: "auto",
  wallet: { kind: "paper", startUsd: 10_000 },
  targets: TREASURY_TARGETS,
  bandAbsPct: 5,
  minTradeUsd: 10,
  maxTradeUsd: 2_000,
  maxDailyTurnoverUsd: 100_000,
  maxSlippageBps: 100,
  maxPriceImpactPct: 2,
  cooldownMs: 0,
  nextRun: (t) => t + 3_600_000,
  approvalTtlMs: 30 * 60_000,
  maxDailyLossPct: 10,
  maxConsecutiveFailures: 2,
  feeBps: 30,
  ...over,
});
