import type { Automation, AutomationRule, AutomationState } from "../../core/domain/automation.js";
import { NOTHING_EXECUTED, type Order } from "../../core/domain/order.js";
import type { NewOutboxMessage } from "../../core/ports/alerts.port.js";
import type { Firing } from "../../core/ports/automations.port.js";

/** Stored-row fixtures for the automation store tests: one rule of every kind, amounts past 2^64. */
export const SOL = { mint: "So11111111111111111111111111111111111111112", symbol: "SOL", decimals: 9 };
export const USDC = { mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", symbol: "USDC", decimals: 6 };
export const BONK = { mint: "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263", symbol: "BONK", decimals: 5 };

export const HUGE = 2n ** 64n + 12_345n;

export const RULES = {
  "limit-buy": { kind: "limit-buy", token: SOL, pay: USDC, spend: HUGE, level: { usd: 200, spec: { kind: "price", usd: 200 }, refUsd: 215.5 } },
  "limit-sell": { kind: "limit-sell", token: BONK, receive: USDC, amount: { kind: "units", units: HUGE * 3n }, level: { usd: 0.00004, spec: { kind: "percent", pct: 20, side: "above" }, refUsd: 0.0000333 } },
  stop: { kind: "stop", token: SOL, receive: USDC, amount: { kind: "all" }, level: { usd: 205, spec: { kind: "price", usd: 205 }, refUsd: 220 } },
  "take-profit": { kind: "take-profit", token: SOL, receive: USDC, amount: { kind: "percent", bps: 2500 }, level: { usd: 260, spec: { kind: "percent", pct: 18.2, side: "above" }, refUsd: 220 } },
  trailing: { kind: "trailing", token: SOL, receive: USDC, amount: { kind: "percent", bps: 5000 }, trailPct: 10, refUsd: 220 },
  dca: { kind: "dca", token: SOL, pay: USDC, spend: 25_000_000n, startAt: 1_736_208_000_000, everyMs: 21_600_000, times: 3, until: null },
} as const satisfies Record<AutomationRule["kind"], AutomationRule>;

export function automation(id: string, rule: AutomationRule, over: Partial<Automation> = {}): Automation {
  return {
    id,
    userId: "u1",
    rule,
    state: "armed",
    firings: 0,
    high: rule.kind === "trailing" ? rule.refUsd : null,
    createdAt: 1_000,
    updatedAt: 1_000,
    notify: { platform: "telegram", chatId: "42" },
    ...over,
  };
}

/** A draft of `userId` (state proposed), created at `at`. */
export const draft = (id: string, userId: string, at = 1_000, state: AutomationState = "proposed") =>
  automation(id, RULES.stop, { userId, state, createdAt: at, updatedAt: at });

export function firing(automationId: string, n: number, over: Partial<Firing> = {}): Firing {
  return {
    automationId,
    userId: "u1",
    n,
    status: "running",
    attempts: 1,
    orderId: null,
    priceUsd: 204.9,
    at: 5_000,
    leaseUntil: 35_000,
    nextTryAt: null,
    reason: null,
    createdAt: 5_000,
    updatedAt: 5_000,
    ...over,
  };
}

export const push = (key: string): NewOutboxMessage => ({
  dedupeKey: key,
  kind: "automation",
  target: { platform: "telegram", chatId: "42" },
  reply: { kind: "info", blocks: [{ type: "text", spans: [`pushed ${key}`] }] },
});

export function order(id: string, over: Partial<Order> = {}): Order {
  return {
    id,
    userId: "u1",
    mode: "paper",
    book: "paper",
    wallet: null,
    side: "sell",
    status: "previewed",
    input: SOL,
    output: USDC,
    inAmount: 1_000_000_000n,
    quotedOut: 205_000_000n,
    minOut: 204_000_000n,
    slippageBps: 50,
    priceImpactPct: 0.01,
    route: ["Whirlpool"],
    routeFees: [],
    simulated: false,
    quoteRaw: { opaque: true },
    usdValue: 205,
    createdAt: 1_000,
    quoteExpiresAt: 31_000,
    ...NOTHING_EXECUTED,
    notify: { platform: "telegram", chatId: "42" },
    ...over,
  };
}
