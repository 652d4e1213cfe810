import { describe, expect, it } from "vitest";
import type { Identity } from "../../core/domain/identity.js";
import { NOTHING_EXECUTED, type Order } from "../../core/domain/order.js";
import type { NewOutboxMessage } from "../../core/ports/alerts.port.js";
import { silentLogger } from "../../core/ports/logger.port.js";
import { Notifications } from "../../core/services/notifications.service.js";
import { mayBeHeld } from "../../core/services/push-events.js";
import { orderLine } from "../../core/services/trade-format.js";
import { plainText } from "../../core/router/reply.js";
import { renderPush } from "../../core/services/push-events.js";
import { withdrawalRows } from "../../core/services/withdrawals/withdraw-format.js";

const SOL = { mint: "So11111111111111111111111111111111111111112", symbol: "SOL", decimals: 9 };
const withdrawal: Order = {
  id: "o_0123456789abcdef",
  userId: "u1",
  mode: "live",
  book: "W4llet1111111111111111111111111111111111111",
  wallet: "W4llet1111111111111111111111111111111111111",
  side: "withdraw",
  status: "filled",
  input: SOL,
  output: SOL,
  inAmount: 1_500_000_000n,
  quotedOut: 1_500_000_000n,
  minOut: 1_500_000_000n,
  slippageBps: 0,
  priceImpactPct: 0,
  route: [],
  routeFees: null,
  simulated: false,
  quoteRaw: null,
  usdValue: 225,
  createdAt: Date.UTC(2026, 11, 7, 9, 30),
  quoteExpiresAt: 0,
  ...NOTHING_EXECUTED,
  filledIn: 1_500_000_000n,
  filledOut: 1_500_000_000n,
  signature: "5ig",
  feeLamports: 1_005_000n,
  notify: { platform: "telegram", chatId: "100" },
  withdrawal: { to: "Co1d111111111111111111111111111111111111111", label: "cold", networkFeeLamports: 1_005_000n, rentLamports: 0n },
};
const linked: Identity[] = [
  { platform: "telegram", platformUserId: "100", userId: "u1", displayName: "u", linkedAt: 0 },
  { platform: "discord", platformUserId: "d-7", userId: "u1", displayName: "u", linkedAt: 0 },
  { platform: "twitter", platformUserId: "x-42", userId: "u1", displayName: "u", linkedAt: 0 },
];

function notifications(copyTo: Array<"twitter"> = []) {
  const rows: NewOutboxMessage[] = [];
  const n = new Notifications({
    log: silentLogger,
    clock: { now: () => 5_000 },
    outbox: { enqueue: async (m) => (rows.push(m), true) },
    copyTo,
    identities: async () => linked,
    // The user chose Telegram only for pushes: a withdrawal's outcome still goes everywhere.
    pushPlatforms: async () => ["telegram"],
  });
  return { n, rows };
}

describe("a withdrawal's outcome", () => {
  it("reaches every linked platform (Telegram, Discord; X where DMs are on), once each, whatever the push settings, never held", async () => {
    const { n, rows } = notifications(["twitter"]);
    await n.push({ userId: "u1", chat: withdrawal.notify }, { type: "trade.filled", order: withdrawal });
    expect(rows.map((r) => `${r.target.platform}:${r.target.chatId}`)).toEqual(["telegram:100", "discord:d-7", "twitter:x-42"]);
    expect(new Set(rows.map((r) => r.dedupeKey)).size).toBe(3);
    expect(rows.every((r) => r.userId === undefined)).toBe(true); // not held by quiet hours
    const noDms = notifications([]);
    await noDms.n.push({ userId: "u1", chat: withdrawal.notify }, { type: "trade.failed", order: { ...withdrawal, status: "failed", error: "boom" } });
    expect(noDms.rows.map((r) => r.target.platform)).toEqual(["telegram", "discord"]);
    expect(mayBeHeld({ type: "trade.filled", order: withdrawal })).toBe(false);
  });

  it("reads as a withdrawal: in the push and in /trades", () => {
    const text = plainText(renderPush({ type: "trade.filled", order: withdrawal }).reply);
    expect(text).toMatch(/^Withdrawal landed: 1\.5 SOL to cold/);
    expect(text).toContain("cold: Co1d111111111111111111111111111111111111111");
    expect(text).toMatch(/Costs\s+0\.001005 SOL network fee/);
    expect(plainText(renderPush({ type: "trade.expired", order: { ...withdrawal, status: "expired", error: "not landed" } }).reply)).toMatch(
      /^Withdrawal expired without landing: 1\.5 SOL to cold[\s\S]*Funds\s+nothing was sent/,
    );
    expect(orderLine(withdrawal)[1]).toBe("withdraw 1.5 SOL to cold (live, filled, ~$225.00)");
  });
});

describe("a withdrawal of a token with a transfer fee", () => {
  it("says what arrives and what the token's fee keeps; a plain one has no such row", () => {
    const TAX = { mint: "TaXmint111111111111111111111111111111111111", symbol: "TAX", decimals: 6 };
    const taxed: Order = { ...withdrawal, input: TAX, output: TAX, inAmount: 100_000_000n, quotedOut: 97_500_000n, minOut: 97_500_000n, filledIn: null, filledOut: null };
    expect(withdrawalRows(taxed)).toContainEqual(["Arrives", "97.5 TAX (the token's transfer fee keeps 2.5 TAX)"]);
    expect(withdrawalRows(withdrawal).map(([k]) => k)).not.toContain("Arrives");
  });
});
