import { approvalText, cycleText, rejectText, type TreasurySettings } from "../../core/services/treasury/index.js";
import type { TreasuryService, Trigger } from "../../core/services/treasury/index.js";

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

/**
 * The treasury as an admin reads it: cycle, tick, approve and reject answer in the words the admin
 * sees (results.ts renders the typed result); everything else passes through. `service` is the
 * treasury itself, for tests of the typed results.
 */
export function treasuryInWords(t: TreasuryService) {
  return {
    service: t,
    settings: t.settings,
    state: () => t.state(),
    plan: (remainingTurnover?: number) => t.plan(remainingTurnover),
    holdings: () => t.holdings(),
    pause: (by: string) => t.pause(by),
    resume: (by: string) => t.resume(by),
    cycle: async (trigger: Trigger, force?: boolean) => cycleText(await t.cycle(trigger, force)),
    tick: async () => {
      const r = await t.tick();
      return r === null ? null : cycleText(r);
    },
    approve: async (id: string, by: string) => approvalText(await t.approve(id, by)),
    reject: async (id: string, by: string) => rejectText(await t.reject(id, by)),
  };
}
export type TreasuryInWords = ReturnType<typeof treasuryInWords>;
